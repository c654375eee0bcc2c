"""Listening sockets: bound at boot (a taken port fails at once), listening only when the worker can serve."""

from __future__ import annotations

import socket

import pytest

from turms.transport import ListenerError, bind_reuseport, start_listening, sweep_accept


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=2)


def test_a_bound_socket_gets_no_connection_until_it_listens() -> None:
    booting = bind_reuseport("client TCP", "127.0.0.1", 0)
    port = booting.getsockname()[1]
    try:
        # Bound but not listening: not in the SO_REUSEPORT group, so nothing is queued for it.
        with pytest.raises(ConnectionRefusedError):
            _connect(port)
        start_listening("client TCP", booting, 16)
        with _connect(port):
            accepted = sweep_accept(booting)
            assert len(accepted) == 1
            accepted[0].close()
    finally:
        booting.close()


def test_a_sibling_shares_the_port_and_only_the_listening_one_is_given_connections() -> None:
    serving = bind_reuseport("client TCP", "127.0.0.1", 0)
    port = serving.getsockname()[1]
    booting = bind_reuseport("client TCP", "127.0.0.1", port)
    try:
        start_listening("client TCP", serving, 64)
        clients = [_connect(port) for _ in range(20)]
        accepted = sweep_accept(serving, limit=100)
        assert len(accepted) == 20
        assert sweep_accept(booting) == []
        for c in (*clients, *accepted):
            c.close()
    finally:
        serving.close()
        booting.close()


def test_a_port_held_without_reuseport_fails_at_bind() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        with pytest.raises(ListenerError, match="cannot bind the client TCP listener"):
            bind_reuseport("client TCP", "127.0.0.1", holder.getsockname()[1])
    finally:
        holder.close()
