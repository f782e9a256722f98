"""A Zarinpal REST v4 simulator: the gateway's state machine, a StartPay page and a control API."""
