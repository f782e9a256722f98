"""Rate-limit adapters (``hamgam.ports.ratelimit``): sliding-window attempt counters (``postgres``, ``memory``)
and token buckets pacing outgoing requests (``token_bucket``), each in PostgreSQL (shared by every replica) and in
memory (one process)."""
