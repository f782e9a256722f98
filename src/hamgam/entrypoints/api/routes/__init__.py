"""Route modules: thin, each handler calls one core operation."""
