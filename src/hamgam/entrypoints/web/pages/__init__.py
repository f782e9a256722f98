"""Page handlers by area: storefront, cart and checkout, account, admin. Each handler calls the store core and
renders one template."""
