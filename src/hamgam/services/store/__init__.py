"""The online store core: catalogue, carts, checkout, reservations, orders, payments, accounts, admin."""
