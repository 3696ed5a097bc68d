"""Real Socket.IO clients for the live-session tests: logged in through the real login form
of the live server, reading acknowledgements and versioned snapshots."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time

import requests
import socketio
import websocket

from tests.conftest import PASSWORD

# Flask-Login's strong session protection ties a session to the browser's user agent: the
# socket must present the same one as the login, as a real browser does.
USER_AGENT = "consiglio-live-tests/1.0"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def login_cookie(base_url: str, email: str) -> str:
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    page = http.get(f"{base_url}/login", timeout=10).text
    token = CSRF.search(page).group(1)
    response = http.post(
        f"{base_url}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def ok(ack: dict) -> int:
    assert ack["ok"] is True, ack
    assert isinstance(ack["state_version"], int)
    return ack["state_version"]


class Client:
    """A socket as a phone or a projector holds it: joins, acts, reads snapshots."""

    def __init__(self, base_url: str, cookie: str | None = None) -> None:
        self.base_url = base_url
        self.cookie = cookie
        self.sio = socketio.SimpleClient()
        self.version = -1
        self.state: dict | None = None
        self.snapshots = 0
        self.connect()

    def connect(self) -> None:
        headers = {"User-Agent": USER_AGENT}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.sio = socketio.SimpleClient()
        self.sio.connect(self.base_url, transports=["websocket"], headers=headers)

    def call(self, event: str, payload=None, timeout: float = 10):
        return self.sio.call(event, payload, timeout=timeout)

    def join(self, meeting_id: int, since_version: int | None = None) -> dict:
        payload = {"meeting": meeting_id}
        if since_version is not None:
            payload["since_version"] = since_version
        ack = self.call("meeting.join", payload)
        if ack.get("ok"):
            self.apply(ack["snapshot"])
        return ack

    def apply(self, snapshot: dict) -> bool:
        """The resynchronisation rule: take a snapshot whose version is not older."""
        if snapshot["version"] < self.version:
            return False
        self.version, self.state = snapshot["version"], snapshot
        return True

    def until(self, check, timeout: float = 6) -> dict:
        """Read snapshots until the state satisfies `check`; returns that state."""
        deadline = time.monotonic() + timeout
        while True:
            if self.state is not None and check(self.state):
                return self.state
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"state never satisfied the check; last: {self.state}")
            try:
                event, *args = self.sio.receive(timeout=left)
            except socketio.exceptions.TimeoutError:
                continue
            if event == "meeting.snapshot":
                self.snapshots += 1
                self.apply(args[0])

    def drain(self, seconds: float) -> int:
        """Read every snapshot for a while; returns how many came."""
        count = 0
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                event, *args = self.sio.receive(timeout=left)
            except socketio.exceptions.TimeoutError:
                break
            if event == "meeting.snapshot":
                count += 1
                self.snapshots += 1
                self.apply(args[0])
        return count

    def drop(self) -> None:
        """The phone loses the network (the server sees the socket go)."""
        self.sio.disconnect()

    def close_in_background(self) -> None:
        threading.Thread(target=self.sio.disconnect, daemon=True).start()


class Raw:
    """A Socket.IO connection spoken by hand over a WebSocket, as a client written from
    docs/realtime.md alone speaks it: packets sent as given (without waiting for answers),
    frames read in the order they arrive, by `read` or, once `listen` was called, by a thread
    of its own (`arrived`: when each frame came, time.monotonic())."""

    def __init__(self, base_url: str, cookie: str | None = None) -> None:
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        headers = [f"User-Agent: {USER_AGENT}"] + ([f"Cookie: {cookie}"] if cookie else [])
        self.ws = websocket.create_connection(url, header=headers, timeout=30)
        assert self.ws.recv().startswith("0")
        self.ws.send("40")
        assert self.ws.recv().startswith("40")
        self.frames: list[tuple[str, object, object]] = []  # ("ack", id, data) / ("event", ...)
        self.arrived: list[float] = []
        self.listening = False

    def send(self, packet: str) -> None:
        self.ws.send(packet)

    def emit(self, ack_id: int | None, event: str, payload) -> None:
        self.send(f"42{'' if ack_id is None else ack_id}{json.dumps([event, payload])}")

    def acks(self) -> dict:
        return {key: data for kind, key, data in list(self.frames) if kind == "ack"}

    def acked_at(self) -> dict:
        """When each acknowledgement came (listening)."""
        frames = list(self.frames)  # `arrived` grows first: it may hold one more
        return {frame[1]: at for frame, at in zip(frames, self.arrived, strict=False)
                if frame[0] == "ack"}  # fmt: skip

    def snapshots(self) -> list[dict]:
        return [data for kind, name, data in list(self.frames)
                if kind == "event" and name == "meeting.snapshot"]  # fmt: skip

    def _read_one(self) -> None:
        frame = self.ws.recv()
        if frame == "2":
            self.ws.send("3")
        elif frame.startswith("43"):
            digits = re.match(r"43(\d+)", frame).group(1)
            data = json.loads(frame[2 + len(digits) :])
            self.arrived.append(time.monotonic())
            self.frames.append(("ack", int(digits), data[0] if data else None))
        elif frame.startswith("42"):
            name, *args = json.loads(frame[2:])
            self.arrived.append(time.monotonic())
            self.frames.append(("event", name, args[0] if args else None))

    def read(self, until, timeout: float = 20) -> None:
        """Wait until until(self) is true (reading frames, unless a thread does)."""
        deadline = time.monotonic() + timeout
        while not until(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not there after {timeout} s; {len(self.frames)} frames")
            if self.listening:
                time.sleep(0.01)
                continue
            self.ws.settimeout(left)
            self._read_one()

    def listen(self) -> None:
        def loop() -> None:
            with contextlib.suppress(Exception):  # the socket closed
                self.ws.settimeout(None)
                while True:
                    self._read_one()

        self.listening = True
        threading.Thread(target=loop, daemon=True).start()

    def answered(self, *ack_ids: int, timeout: float = 20) -> dict:
        self.read(lambda raw: set(ack_ids) <= raw.acks().keys(), timeout)
        return self.acks()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close(timeout=0.1)
