"""SMS adapters: Kavenegar, SMS.ir and a recording fake."""
