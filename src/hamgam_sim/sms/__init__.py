"""An SMS simulator answering like Kavenegar and SMS.ir, recording every message in an outbox."""
