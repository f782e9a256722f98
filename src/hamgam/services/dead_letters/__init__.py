"""Staff actions on dead letters, shared by every topic (the sync's batches, the exports)."""
