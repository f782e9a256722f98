"""Listening sockets opened before uvicorn starts, so a bind error surfaces as an ``OSError`` the caller handles
(uvicorn's own bind calls ``sys.exit``) and the API socket can be shared between processes with SO_REUSEPORT."""

from __future__ import annotations

import socket

#: Connections the kernel queues until the server accepts them (uvicorn's default).
BACKLOG = 2048


def listen_tcp(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket listening on ``host:port`` (IPv4 or IPv6 by the host's form). Connections made from now on
    wait in the kernel's queue until the server accepts them.

    With ``reuse_port`` the socket gets SO_REUSEPORT: every process that binds the same address with it set
    shares the port, and the kernel spreads new connections between them. Raises ``OSError`` when the address
    is taken (by a process without SO_REUSEPORT, or any process when ``reuse_port`` is false).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # The protocol must be named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on accepted sockets whose
    # ``proto`` is IPPROTO_TCP, and with Nagle on, a response written in two parts waits for the client's delayed
    # ACK on every kept-alive request (BENCHMARKS.md, "Store API").
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
