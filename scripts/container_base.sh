#!/usr/bin/env bash
# Make the base image `localhost/debian-py:bookworm` (Debian 12 with its Python 3.11) from Debian's packages, for
# machines that cannot pull `python:3.11-slim` from a registry (idempotent: skips an image that exists).
# DEBIAN_MIRROR overrides the package mirror.
set -euo pipefail

IMAGE="${BASE_IMAGE:-localhost/debian-py:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

if podman image exists "$IMAGE"; then
  echo "base image $IMAGE exists" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# python3-venv brings ensurepip (the builder stage makes a venv for uv); no docs, man pages or locales.
mmdebstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --aptopt='Acquire::Retries "3"' \
  bookworm "$work/base.tar" "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY_MIRROR bookworm-security main" </dev/null
podman import --change 'CMD ["/bin/bash"]' "$work/base.tar" "$IMAGE" >/dev/null
echo "made base image $IMAGE" >&2
