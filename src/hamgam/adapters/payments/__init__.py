"""Payment gateway adapters: Zarinpal REST v4 and an in-memory fake."""
