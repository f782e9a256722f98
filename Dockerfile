# One image for every Hamgam role: `hamgam api|core|scheduler|worker|exporter|migrate` and `hamgam-sim ...`.
# Build:  docker build -t hamgam .            (on the official python:3.11-slim)
#         podman build --build-arg BASE=localhost/debian-py:bookworm -t localhost/hamgam:ci .
#         (machines that cannot pull: scripts/container_image.sh makes that base from Debian's packages)
ARG BASE=python:3.11-slim

FROM ${BASE} AS builder
ARG UV_VERSION=0.13.8
# A package index mirror for the uv bootstrap, when PyPI itself is not reachable (pip's own default otherwise).
ARG PIP_INDEX_URL=https://pypi.org/simple
# The base image's CA bundle also verifies PyPI (a bundle with a local CA can be mounted over it at build time).
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --index-url "${PIP_INDEX_URL}" "uv==${UV_VERSION}"
WORKDIR /src
# Dependencies first, from the lock only: this layer stays cached while the source changes.
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-project --python python3 \
    && /opt/venv/bin/python -c "import pathlib, sysconfig; \
pathlib.Path(sysconfig.get_path('purelib'), 'hamgam-app.pth').write_text('/opt/app\n')"
# The project itself (not editable) in a directory of its own that the .pth file above puts on the path, so a
# change of the source rebuilds and ships a layer of a few MB instead of the whole environment.
COPY README.md ./
COPY src ./src
RUN /opt/uv/bin/uv pip install --no-deps --python /opt/venv/bin/python --target /opt/app .

FROM ${BASE}
# Fixed ids, so volumes and Kubernetes' runAsUser/fsGroup can name them.
ARG APP_UID=10001
RUN groupadd --gid "${APP_UID}" hamgam \
    && useradd --uid "${APP_UID}" --gid hamgam --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin hamgam \
    && mkdir -p /data \
    && chown hamgam:hamgam /data
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /opt/app /opt/app
# Listen on every interface inside the container; the only writable places are /data (the JWT secret when none is
# configured, local object storage) and /tmp, so the root filesystem can be mounted read-only.
ENV PATH=/opt/app/bin:/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HAMGAM_DATA_DIR=/data \
    HAMGAM_API_HOST=0.0.0.0 \
    HAMGAM_HEALTH_HOST=0.0.0.0 \
    HAMGAM_LOG_JSON=true
# Settings also read `.env` from the working directory: this one holds only the installed package.
WORKDIR /opt/app
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8000 9108
ENTRYPOINT ["hamgam"]
CMD ["api"]
