"""Rate-limit adapters: PostgreSQL (shared by every replica) and in-memory (one process)."""
