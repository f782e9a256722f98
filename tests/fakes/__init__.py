"""In-memory implementations of the persistence ports, for unit tests of the services without a database."""
