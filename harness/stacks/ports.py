"""Free TCP ports for the systems under test (several stacks may run side by side)."""

from __future__ import annotations

import socket


def free_ports(count: int, host: str = "0.0.0.0") -> list[int]:
    """``count`` distinct ports that are free right now on ``host`` (LangBot's runtime binds 0.0.0.0).

    The sockets are held open until all ports are chosen so the same port is never returned twice;
    another process may still take one before the system under test binds it (then start fails
    with "address in use" in the log, reported as a StackError).
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
            return True
        except OSError:
            return False
