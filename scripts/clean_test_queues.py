"""Delete queues left on the local RabbitMQ by interrupted test or benchmark runs (names ``t<10 hex>.…`` and
``bench<6 hex>.…``); quorum queues are heavy, and a broker full of them slows every later run."""

import asyncio
import re
import subprocess
import sys

import aio_pika

LEFTOVER = re.compile(r"^(t[0-9a-f]{10}|bench[0-9a-f]{6})\.")


async def main(url: str) -> None:
    listed = subprocess.run(["rabbitmqctl", "list_queues", "name", "--no-table-headers", "-q"],
                            capture_output=True, text=True, timeout=120, check=True).stdout.split()
    names = [n for n in listed if LEFTOVER.match(n)]
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)
    print(f"deleted {len(names)} leftover test queues")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "amqp://guest:guest@127.0.0.1:5672/"))
