"""Under gevent, a request gives the other connections their turn (council/taking_turns.py):
before it starts, and every few milliseconds of a long rendering."""

from __future__ import annotations

import time

import gevent
import jinja2
import pytest
from gevent import socket

from council import taking_turns


class WaitingConnection:
    """A greenlet waiting for its socket, whose data has come: it runs once the loop has looked
    at the sockets."""

    def __init__(self, order: list[str]) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.greenlet = gevent.spawn(lambda: order.append(self.theirs.recv(16).decode()))
        gevent.sleep(0.01)  # it waits in recv
        self.ours.sendall(b"other connection")

    def close(self) -> None:
        self.greenlet.join(5)
        self.ours.close()
        self.theirs.close()


def test_a_connection_whose_data_has_come_goes_before_the_next_request_of_another():
    order: list[str] = []

    def page(_environ, _start_response):
        order.append("request")
        return [b""]

    other = WaitingConnection(order)
    for _keep_alive in range(2):  # two requests in a row on one connection
        assert taking_turns.requests(page)({}, None) == [b""]
    other.close()
    assert order.index("other connection") < order.index("request", 1)


def test_a_long_rendering_gives_way_between_slices_and_renders_the_same():
    order: list[str] = []

    def slow(n):
        time.sleep(taking_turns.SLICE)  # the standard library's: it never gives way itself
        order.append(f"slice {n}")
        return f"<li>{n}</li>"

    source = "<ul>{% for n in range(4) %}{{ slow(n) }}{% endfor %}</ul>"
    plain = jinja2.Environment().from_string(source).render(slow=slow)
    environment = jinja2.Environment()
    environment.template_class = taking_turns.Template
    order.clear()
    other = WaitingConnection(order)
    sliced = environment.from_string(source).render(slow=slow)
    other.close()
    assert sliced == plain == "<ul>" + "".join(f"<li>{n}</li>" for n in range(4)) + "</ul>"
    assert order.index("other connection") < order.index("slice 3")


def test_a_rendering_that_fails_raises_as_it_would_unsliced():
    environment = jinja2.Environment()
    environment.template_class = taking_turns.Template
    with pytest.raises(ZeroDivisionError):
        environment.from_string("<p>{{ 1 // 0 }}</p>").render()
