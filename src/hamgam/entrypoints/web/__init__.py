"""The Frontend container (ARCHITECTURE §2): Persian RTL storefront and admin panel, rendered on the server with
Jinja2 and htmx, served by the gateway process and calling the store core (``StoreCore``) in-process."""
