"""The store-to-Mahak exporter: paid orders and their customers become Mahak sales invoices exactly once."""
