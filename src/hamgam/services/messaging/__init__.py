"""What every consumer of the queue shares, whatever its topic: the consumer pool and the retry policy."""
