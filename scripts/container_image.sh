#!/usr/bin/env bash
# Build the Hamgam image on a machine that cannot pull images: install podman (container_tools.sh), make the
# Debian base (container_base.sh), then `podman build` with the machine's CA bundle mounted. Idempotent and
# cached: a second run only rebuilds the layers whose inputs changed.
#   IMAGE (default localhost/hamgam:ci)   BASE_IMAGE (default localhost/debian-py:bookworm)
#   PIP_INDEX_URL: passed as a build argument when set (a package index mirror for the uv bootstrap)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE="${IMAGE:-localhost/hamgam:ci}"
export BASE_IMAGE="${BASE_IMAGE:-localhost/debian-py:bookworm}"
CA_BUNDLE="${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

./scripts/container_tools.sh >/dev/null
./scripts/container_base.sh

args=(--build-arg "BASE=$BASE_IMAGE" -t "$IMAGE")
# The machine's CA bundle, in case it reaches PyPI through a proxy with its own CA.
[ -f "$CA_BUNDLE" ] && args+=(-v "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
[ -n "${PIP_INDEX_URL:-}" ] && args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL")
podman build --layers "${args[@]}" .
podman image inspect --format '{{.Size}}' "$IMAGE" | awk -v image="$IMAGE" '{printf "%s: %.0f MB\n", image, $1/1e6}'
