"""Shared pieces of the Zarinpal and SMS simulators: fault plans and serving an app on a thread."""
