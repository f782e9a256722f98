#!/usr/bin/env bash
# Create the virtual environment from the lock file (idempotent). Needs Python 3.11+ with venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1; then
  echo "installing python3-venv" >&2
  (apt-get update -qq && apt-get install -y -qq python3-venv) || sudo apt-get install -y -qq python3-venv
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q uv==0.13.8
.venv/bin/uv sync --frozen --quiet "$@"
