"""Ports for a test's servers are chosen together: distinct, free, and none of those avoided (the
dev server once picked, for its HTTP API, the port a test had chosen for its gRPC front end)."""

from __future__ import annotations

import socket

from starter.ports import engine_port_args, free_ports


def test_ports_chosen_together_are_distinct_free_and_not_avoided() -> None:
    first = free_ports(8)
    again = free_ports(8, avoid=first)
    assert len(set(first)) == 8 and not set(first) & set(again)
    for port in again:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))  # free: binding works


def test_the_dev_server_is_told_its_http_and_metrics_ports() -> None:
    assert engine_port_args(40001, 40002) == ["--http-port", "40001", "--metrics-port", "40002"]
