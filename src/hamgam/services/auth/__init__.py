"""Gateway security: JWT access tokens and rotating refresh tokens."""
