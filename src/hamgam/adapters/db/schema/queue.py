"""Tables of the PostgreSQL-backed message queue (owned by ``hamgam.adapters.queue.postgres``)."""
