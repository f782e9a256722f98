#!/usr/bin/env bash
# Install Hamgam with its test tools and run the whole test suite: `./scripts/test.sh` (extra arguments go to pytest).
# Uses the PostgreSQL and RabbitMQ at 127.0.0.1 when they answer (starting the machine's own if installed but
# stopped); without PostgreSQL the tests start the embedded one. HAMGAM_REQUIRE_SERVICES=1 makes a missing
# server fail the run instead of skipping its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --group deploy
./scripts/services.sh || true
if command -v rabbitmqctl >/dev/null; then
  timeout 180 .venv/bin/python scripts/clean_test_queues.py || true
fi
# Browser tests (tests/ui) drive Debian's Chromium with Playwright (never `playwright install`).
if [ ! -x /usr/bin/chromium ]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) \
    || echo "could not install chromium: browser tests will skip (or fail with HAMGAM_REQUIRE_SERVICES=1)" >&2
fi
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
