{{/* Names, labels and the pieces every role's pod shares. */}}

{{- define "hamgam.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hamgam.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hamgam.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hamgam.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hamgam.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hamgam.labels" -}}
helm.sh/chart: {{ include "hamgam.chart" . }}
{{ include "hamgam.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hamgam
{{- end -}}

{{/* Labels of one role: call with (dict "root" $ "role" "gateway"). */}}
{{- define "hamgam.roleSelectorLabels" -}}
{{ include "hamgam.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "hamgam.roleLabels" -}}
{{ include "hamgam.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "hamgam.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hamgam.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "hamgam.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The `hamgam` sub-command each role runs. */}}
{{- define "hamgam.roleCommand" -}}
{{- $commands := dict "gateway" "api" "core" "core" "scheduler" "scheduler" "worker" "worker" "exporter" "exporter" -}}
{{- get $commands . -}}
{{- end -}}

{{- define "hamgam.coreUrl" -}}
{{- printf "http://%s-core.%s.svc:%d" (include "hamgam.fullname" .) .Release.Namespace (int .Values.service.port) -}}
{{- end -}}

{{- define "hamgam.publicBaseUrl" -}}
{{- if .Values.config.publicBaseUrl -}}
{{- .Values.config.publicBaseUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}

{{/* Pod-level security: non-root user 10001, RuntimeDefault seccomp. */}}
{{- define "hamgam.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hamgam.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hamgam.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.scratch.tmpSizeLimit }}
- name: data
  emptyDir:
    sizeLimit: {{ .Values.scratch.dataSizeLimit }}
{{- end -}}

{{- define "hamgam.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- end -}}

{{/* Environment shared by every role and the migration Job: database, broker, object store credentials. */}}
{{- define "hamgam.connectionEnv" -}}
{{- if not .Values.database.url }}
- name: HAMGAM_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "set database.url or database.existingSecret" .Values.database.existingSecret }}
      key: {{ .Values.database.existingSecretKey }}
{{- end }}
{{- with .Values.rabbitmq }}
{{- if and (not .url) .existingSecret }}
{{- if .urlKey }}
- name: HAMGAM_RABBITMQ_URL
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .urlKey }}
{{- else }}
- name: RABBITMQ_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .usernameKey }}
- name: RABBITMQ_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .passwordKey }}
- name: RABBITMQ_HOST
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .hostKey }}
- name: RABBITMQ_PORT
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .portKey }}
- name: HAMGAM_RABBITMQ_URL
  value: "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@$(RABBITMQ_HOST):$(RABBITMQ_PORT)/{{ .vhost }}"
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.s3 }}
{{- if and .enabled .existingSecret }}
- name: HAMGAM_STORAGE__S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .accessKeyIdKey }}
- name: HAMGAM_STORAGE__S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .existingSecret }}
      key: {{ .secretAccessKeyKey }}
{{- end }}
{{- end }}
{{- end -}}

{{/* envFrom of the long-running roles: the ConfigMap, the chart's Secret, then the existing Secret (wins). */}}
{{- define "hamgam.envFrom" -}}
- configMapRef:
    name: {{ include "hamgam.fullname" . }}
- secretRef:
    name: {{ include "hamgam.fullname" . }}
{{- if .Values.secrets.existingSecret }}
- secretRef:
    name: {{ .Values.secrets.existingSecret }}
{{- end }}
{{- end -}}
