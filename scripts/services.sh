#!/usr/bin/env bash
# Start this machine's PostgreSQL and RabbitMQ when they are installed but not answering (no-op otherwise).
set -uo pipefail
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 60); do answers "$1" && return 0; sleep 1; done; return 1; }
if ! answers 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start && wait_for 5432
fi
if ! answers 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached && wait_for 5672
fi
answers 5432 && echo "PostgreSQL: 127.0.0.1:5432" || echo "PostgreSQL: not running (tests use the embedded one)"
answers 5672 && echo "RabbitMQ:   127.0.0.1:5672" || echo "RabbitMQ:   not running"
