"""Who is on the other end of a request, as the login limits and the sessions list see it:
the client's network, the device cookie of a browser that logged in before, and a short name
for the browser ("Firefox 128 · Linux").

The client address is `request.remote_addr`: behind TRUSTED_PROXIES it is the one the proxy
forwarded (werkzeug's ProxyFix, wired in app.py). IPv6 clients are counted per /64, the
block one subscriber usually holds, or an attacker would have billions of addresses.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from ua_parser import BasicResolver, Parser
from ua_parser.loaders import load_lazy_builtins
from werkzeug.wrappers import Response

from council.domain.accounts.logins import Client
from council.models.user import User

DEVICE_COOKIE = "consiglio_device"
DEVICE_DAYS = 365
_parser = Parser(BasicResolver(load_lazy_builtins()))  # compiles a rule when first tried


def address() -> str:
    return request.remote_addr or ""


def network(value: str | None = None) -> str:
    """The address that limits count on: IPv4 as is, IPv6 as its /64 (an IPv4-mapped one as
    the IPv4 address)."""
    value = address() if value is None else value
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return value[:64] or "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="consiglio-device")


def device() -> tuple[int, str] | None:
    """(account id, device nonce) from this browser's device cookie, if it is genuine."""
    value = request.cookies.get(DEVICE_COOKIE)
    if not value or len(value) > 200:
        return None
    try:
        data = _serializer().loads(value, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        return None
    return data[0], str(data[1])


def client() -> Client:
    return Client(network(), device())


def remember_device(response: Response, user: User) -> None:
    """Mark this browser as one that logged into this account (OWASP's device cookie): the
    login limits then count its own failures only. The nonce stays for the same account."""
    known = device()
    nonce = known[1] if known and known[0] == user.id else secrets.token_urlsafe(16)
    config = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps([user.id, nonce]),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        secure=config.get("SESSION_COOKIE_SECURE", False),
        samesite="Lax",
    )


@lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """A short name for a browser: "Chrome Mobile 120 · Android"; the start of the raw string
    when the browser is not known."""
    browser, system = _parser.parse_user_agent(user_agent), _parser.parse_os(user_agent)
    parts = []
    if browser is not None and browser.family != "Other":
        parts.append(f"{browser.family} {browser.major or ''}".strip())
    if system is not None and system.family != "Other":
        parts.append(system.family)
    return " · ".join(parts) or user_agent[:60]


def this_device_name() -> str:
    return device_name((request.user_agent.string or "")[:512])
