#!/usr/bin/env bash
# Install Hamgam and run every role on this machine: `./scripts/up.sh` (extra arguments go to `hamgam up`).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --no-dev
exec .venv/bin/hamgam up "$@"
