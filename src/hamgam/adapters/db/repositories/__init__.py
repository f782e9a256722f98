"""The PostgreSQL repositories: every SQL statement the services need, one module per aggregate.

Each repository takes the unit of work's ``AsyncConnection`` and implements a Protocol of ``hamgam.ports``
structurally (adapters do not import the services).
"""
