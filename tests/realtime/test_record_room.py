"""Socket.IO over the network: the record room hears committed events, and only those."""

from __future__ import annotations

import pytest
import socketio

from council.domain.community import organisations
from council.domain.permissions import SYSTEM
from council.unit_of_work import unit_of_work


@pytest.fixture
def viewer(sockets):
    return sockets()


def _next_event(client, name: str, timeout: float = 5):
    while True:
        event, *args = client.receive(timeout=timeout)
        if event == name:
            return args[0]


def test_public_viewer_sees_the_record_head_move(viewer, zone):
    ack = viewer.call("room.join", {"room": "record"}, timeout=5)
    assert ack == {"ok": True, "room": "record"}
    with unit_of_work() as session:
        created = organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Nuova", kind="APS", zone=zone
        )
    message = _next_event(viewer, "record.appended")
    assert message["kind"] == "organisation.created"
    assert message["subject"] == f"organisation:{created.id}"
    assert len(message["hash"]) == 64


def test_a_rolled_back_change_is_never_announced(viewer, zone):
    viewer.call("room.join", {"room": "record"}, timeout=5)
    with pytest.raises(RuntimeError), unit_of_work() as session:
        organisations.save_organisation(session, SYSTEM, None, name="Mai", kind="", zone=zone)
        raise RuntimeError("fails before commit")
    with pytest.raises(socketio.exceptions.TimeoutError):
        _next_event(viewer, "record.appended", timeout=0.7)


@pytest.mark.parametrize("payload", [None, {}, {"room": 5}, {"room": "meeting:1"}, "record"])
def test_malformed_or_unknown_room_requests_are_refused(viewer, payload):
    ack = viewer.call("room.join", payload, timeout=5)
    assert ack["ok"] is False
    assert ack["message"]
