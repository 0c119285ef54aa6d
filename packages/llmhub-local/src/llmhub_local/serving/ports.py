"""Port allocation: the registry's port is a hint; a free port is taken when it is busy.

The listening socket is created here and handed to the server, so there is no window between
"this port is free" and "the server binds it" in which another process could take it.
"""

from __future__ import annotations

import errno
import ipaddress
import socket

__all__ = ["LOOPBACK", "bind_listener", "is_loopback", "port_is_free"]

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``127.0.0.0/8``, ``::1`` or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_listener(host: str = LOOPBACK, hint: int | None = None, *, backlog: int = 128) -> socket.socket:
    """A listening TCP socket on ``host``: on port ``hint`` if it is free, else on a free port.

    Raises:
        OSError: the host cannot be bound at all (not an address of this machine...).
    """
    candidates = [hint, 0] if hint else [0]
    last: OSError | None = None
    for port in candidates:
        sock = socket.socket(_family(host), socket.SOCK_STREAM)
        try:
            # SO_REUSEADDR lets a restarted server take its port while old connections linger
            # in TIME_WAIT; on Linux it never lets two live listeners share a port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port or 0))
            sock.listen(backlog)
        except OSError as e:
            sock.close()
            if e.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            last = e
            continue
        return sock
    assert last is not None
    raise last


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether ``port`` can be bound on ``host`` right now (informational: it may change)."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
