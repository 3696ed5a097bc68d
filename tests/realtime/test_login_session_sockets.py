"""A socket lives no longer than its login session (issue 18, finding 3): logging out, "log
out of every device" elsewhere, a password change and an administrator's disable disconnect
the sockets that session opened, over the network, with real Socket.IO clients."""

from __future__ import annotations

import threading
import time

import pytest
import socketio

from tests.realtime.test_notification_room import USER_AGENT, Person

NEW_PASSWORD = "una-password-nuova-e-lunga"


@pytest.fixture
def sockets(live_server):
    """Real Socket.IO clients with a login's cookie and user agent."""
    opened = []

    def connect(cookie: str):
        client = socketio.SimpleClient()
        client.connect(
            live_server.url,
            transports=["websocket"],
            headers={"User-Agent": USER_AGENT, "Cookie": cookie},
        )
        opened.append(client)
        return client

    yield connect
    for client in opened:  # closing waits for the server: in the background
        if client.connected:
            threading.Thread(target=client.disconnect, daemon=True).start()


def ended(client, timeout: float = 5) -> bool:
    """Whether the server told this socket its session ended and closed it in time."""
    deadline = time.monotonic() + timeout
    told = False
    while time.monotonic() < deadline:
        try:
            event, *_data = client.receive(timeout=0.2)
            told = told or event == "session.ended"
        except socketio.exceptions.TimeoutError:
            pass
        except socketio.exceptions.DisconnectedError:
            return told
        if not client.connected:
            return told
    return False


def joined(client, person) -> bool:
    room = f"user:{person.public_id}"
    return client.call("room.join", {"room": room}, timeout=5) == {"ok": True, "room": room}


def test_logging_out_disconnects_the_session_s_socket(live_server, sockets, member):
    browser = Person(live_server.url, member.email)
    socket = sockets(browser.cookie)
    assert joined(socket, member)
    assert browser.post("/logout", {}, "/").status_code == 302
    assert ended(socket)


def test_log_out_of_every_device_disconnects_the_other_device_s_socket(
    live_server, sockets, member
):
    phone, laptop = Person(live_server.url, member.email), Person(live_server.url, member.email)
    on_phone, on_laptop = sockets(phone.cookie), sockets(laptop.cookie)
    assert joined(on_phone, member) and joined(on_laptop, member)
    assert laptop.post("/account/sessions/end-all", {}, "/account").status_code == 302
    assert ended(on_phone) and ended(on_laptop)


def test_a_password_change_disconnects_the_other_devices_sockets(live_server, sockets, member):
    phone, laptop = Person(live_server.url, member.email), Person(live_server.url, member.email)
    on_phone = sockets(phone.cookie)
    assert joined(on_phone, member)
    change = {"current": "password-di-prova", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert laptop.post("/account", change, "/account").status_code == 302
    assert ended(on_phone)
    again = sockets(phone.cookie)  # the phone's cookie now connects as the public
    assert not joined(again, member)


def test_an_administrator_disabling_an_account_disconnects_its_sockets(
    live_server, sockets, member, admin
):
    phone = Person(live_server.url, member.email)
    on_phone = sockets(phone.cookie)
    assert joined(on_phone, member)
    office = Person(live_server.url, admin.email)
    path = f"/admin/users/{member.id}"
    assert office.post(f"{path}/status", {"status": "disabled"}, path).status_code == 302
    assert ended(on_phone)


def test_another_session_s_end_leaves_this_socket_alone(live_server, sockets, member):
    phone, laptop = Person(live_server.url, member.email), Person(live_server.url, member.email)
    on_laptop = sockets(laptop.cookie)
    assert joined(on_laptop, member)
    assert phone.post("/logout", {}, "/").status_code == 302
    assert not ended(on_laptop, timeout=1)
    assert on_laptop.connected and joined(on_laptop, member)
