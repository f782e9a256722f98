"""The API's listening socket: connections accepted on it have Nagle's algorithm off, as uvicorn's own bind gives."""

from __future__ import annotations

import asyncio
import socket

from hamgam.entrypoints.sockets import listen_tcp


async def test_accepted_connections_have_tcp_nodelay() -> None:
    listener = listen_tcp("127.0.0.1", 0)
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Capture(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Capture, sock=listener)
    try:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
