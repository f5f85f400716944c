"""Free local ports, chosen together so that no two are the same.

A port found free is free only until someone binds it: the Temporal dev server picks its HTTP
API and metrics ports at random when none is given, and once picked the very port a test had
chosen for the server's gRPC front end, which it had not bound yet (seen in CI: "bind: address
already in use"). So every port a process will need is chosen in one call, each socket held until
all are chosen, and the dev server is always told its HTTP and metrics ports."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterable

HOST = "127.0.0.1"


def free_ports(count: int, avoid: Iterable[int | None] = ()) -> list[int]:
    """`count` distinct ports free on the loopback now, none of them in `avoid`."""
    avoided = {port for port in avoid if port is not None}
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            sock = held.enter_context(socket.socket())
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
            if port not in avoided:
                ports.append(port)
        return ports


def free_port() -> int:
    return free_ports(1)[0]


def engine_port_args(http_port: int, metrics_port: int) -> list[str]:
    """The dev server's ports it would otherwise pick at random."""
    return ["--http-port", str(http_port), "--metrics-port", str(metrics_port)]
