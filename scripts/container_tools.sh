#!/usr/bin/env bash
# Install a container engine from Debian's packages (podman, buildah, mmdebstrap) and configure it for machines without systemd or a registry (idempotent: skips what is already there). Needs root
# on Debian 12.
set -euo pipefail

PACKAGES=(podman buildah runc mmdebstrap golang-github-containernetworking-plugin-dnsname
          uidmap slirp4netns fuse-overlayfs iptables)
CONF=/etc/containers/containers.conf
# podman-compose comes from the lock file's deploy group (.venv/bin/podman-compose, `./scripts/setup.sh --group
# deploy`): Debian 12's 1.0.3 has no profiles, no `network_mode: host` (it adds the project network too), no
# `!reset`/`!override` and no depends_on conditions.

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Without these, `podman run` fails on setrlimit(RLIMIT_NOFILE) in an unprivileged container host and picks
# crun/cgroup settings that do not fit a machine without systemd.
if ! grep -qs '^runtime = "runc"' "$CONF"; then
  mkdir -p "$(dirname "$CONF")"
  cat >"$CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
fi

podman --version
