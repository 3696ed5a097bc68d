"""Settings from environment variables, with embedded defaults for development."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CONSIGLIO_INSTANCE", ROOT / "instance"))


class ConfigError(RuntimeError):
    """The environment does not describe a deployable configuration."""


# How the server waits: threads (simple-websocket) or gevent's greenlets. Not eventlet:
# unmaintained, and gone from current gunicorn. Chosen by measurement: docs/deployment.md.
ASYNC_MODES = ("threading", "gevent")


def _check_async_mode(mode: str, database_url: str) -> None:
    """Refuse a server mode that cannot work, with what to set instead.

    Under gevent every wait must go through gevent's loop. psycopg 3 (3.1.14 on) and redis-py
    do once the standard library is patched; SQLite does not: its calls, and the busy handler
    that waits for the write lock (BEGIN IMMEDIATE), sleep inside C and stop every greenlet of
    the process, including the one that holds the lock.
    """
    if mode not in ASYNC_MODES:
        raise ConfigError(
            f"SOCKETIO_ASYNC_MODE={mode!r} is not supported: use 'threading' or 'gevent'."
        )
    if mode == "gevent" and database_url.startswith("sqlite"):
        raise ConfigError(
            "SOCKETIO_ASYNC_MODE=gevent needs PostgreSQL (DATABASE_URL=postgresql://...): "
            "SQLite blocks gevent's loop while it waits for its write lock. "
            "With SQLite use SOCKETIO_ASYNC_MODE=threading."
        )


MISSING_SECRET = (
    "SECRET_KEY must be set outside development "
    "(or set CONSIGLIO_ENV=development for a local checkout)."
)


def require_secret(config: dict) -> None:
    """Refuse to serve without a key to sign sessions and forms with (ConfigError)."""
    if not config.get("SECRET_KEY"):
        raise ConfigError(MISSING_SECRET)


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret() -> str:
    """A per-checkout key kept in instance/, so development sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _public_url(env: str) -> str:
    """PUBLIC_URL when set; in development, where `python app.py` listens (HOST and PORT),
    so that `PORT=5100 make run` links to itself; otherwise http://localhost:5000."""
    given = os.environ.get("PUBLIC_URL")
    if given:
        return given.rstrip("/")
    if env != "development":
        return "http://localhost:5000"
    host = os.environ.get("HOST") or "127.0.0.1"
    if host in {"0.0.0.0", "::"}:  # every interface: this machine's own name reaches it
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{os.environ.get('PORT') or '5000'}"


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping: environment first, then explicit overrides (tests)."""
    overrides = overrides or {}
    env = overrides.get("ENV_NAME") or os.environ.get("CONSIGLIO_ENV", "production")
    development = env in {"development", "testing"}

    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret and development:
        secret = _development_secret()
    # Outside development a missing key is refused where one is needed: by a serving process
    # (require_secret) and by any request. A command that signs nothing (record verify,
    # record export, db upgrade…) runs without one.

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'consiglio.db'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")

    async_mode = (
        overrides.get("SOCKETIO_ASYNC_MODE") or os.environ.get("SOCKETIO_ASYNC_MODE") or "threading"
    )
    _check_async_mode(async_mode, overrides.get("DATABASE_URL") or database_url)

    secure_cookies = _bool("COOKIE_SECURE", not development)
    config = {
        "ENV_NAME": env,
        "SECRET_KEY": secret or None,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SOCKETIO_ASYNC_MODE": async_mode,
        # the Redis channel of the Socket.IO queue: one per site sharing a Redis server
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL", "consiglio-socketio"),
        # proxies in front of the server whose X-Forwarded-For/-Proto/-Host are trusted
        # (1 behind nginx); 0 ignores those headers
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_NAME": "consiglio_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "it",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
        "LANGUAGES": ["it", "en"],
        # failed logins (council/domain/accounts/logins.py): per account and address (and per known
        # device), per address whatever the accounts, per account from unknown devices; then
        # a wait of 30 s doubling up to the window (seconds)
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_ADDRESS_MAX_FAILURES": int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "10")),
        "LOGIN_ACCOUNT_MAX_FAILURES": int(os.environ.get("LOGIN_ACCOUNT_MAX_FAILURES", "50")),
        "LOGIN_FAILURE_WINDOW": int(os.environ.get("LOGIN_FAILURE_WINDOW", "900")),
        # registrations per address within the window (seconds)
        "REGISTRATION_MAX_PER_ADDRESS": int(os.environ.get("REGISTRATION_MAX_PER_ADDRESS", "5")),
        # accessibility feedback (no login): messages per network per hour
        "FEEDBACK_MAX_PER_ADDRESS": int(os.environ.get("FEEDBACK_MAX_PER_ADDRESS", "5")),
        "REGISTRATION_WINDOW": int(os.environ.get("REGISTRATION_WINDOW", "3600")),
        # password reset links asked for per address, and e-mailed per account, in an hour
        "PASSWORD_RESET_MAX_PER_ADDRESS": int(
            os.environ.get("PASSWORD_RESET_MAX_PER_ADDRESS", "10")
        ),
        "PASSWORD_RESET_MAX_PER_ACCOUNT": int(
            os.environ.get("PASSWORD_RESET_MAX_PER_ACCOUNT", "3")
        ),
        # the counters above kept at most (the oldest go first), forgotten after their window
        "THROTTLE_MAX_ROWS": int(os.environ.get("THROTTLE_MAX_ROWS", "100000")),
        # a login session (council/domain/accounts/login_sessions.py) unused this many days is over
        "SESSION_IDLE_DAYS": float(os.environ.get("SESSION_IDLE_DAYS", "30")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "consiglio@localhost"),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(INSTANCE / "outbox"),
        # json: one JSON object per line (for a log collector); text: for a terminal
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text" if development else "json"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        "MAIL_IN_BACKGROUND": _bool("MAIL_IN_BACKGROUND", True),
        # The site's address, for links in e-mails sent outside a request (digests), in the
        # minutes' PDF, the open data and the Atom ids.
        "PUBLIC_URL": _public_url(env),
        # Official documents (the minutes' PDF): the council's name in their header, and the
        # folder of the DejaVu fonts (Debian's fonts-dejavu-core and -extra: `make fonts`).
        "COUNCIL_NAME": os.environ.get(
            "COUNCIL_NAME", "Consiglio di indirizzo del welfare · Comune di Brescia"
        ),
        "PDF_FONT_DIR": os.environ.get("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu"),
        # live sessions: broadcast window (seconds), proxies one may hold, default speaking time
        "LIVE_BROADCAST_WINDOW": float(os.environ.get("LIVE_BROADCAST_WINDOW", "0.1")),
        "MAX_PROXIES_PER_MEMBER": int(os.environ.get("MAX_PROXIES_PER_MEMBER", "1")),
        "SPEAKING_LIMIT_S": int(os.environ.get("SPEAKING_LIMIT_S", "300")),
        # what one socket may ask of its process, and the database connections socket events
        # may hold at once in each process (realtime/guard.py, docs/realtime.md "Limits")
        "SOCKET_EVENTS_PER_SECOND": float(os.environ.get("SOCKET_EVENTS_PER_SECOND", "10")),
        "SOCKET_EVENT_BURST": int(os.environ.get("SOCKET_EVENT_BURST", "30")),
        "SOCKET_EVENTS_IN_FLIGHT": int(os.environ.get("SOCKET_EVENTS_IN_FLIGHT", "4")),
        "SOCKET_DATABASE_TURNS": int(os.environ.get("SOCKET_DATABASE_TURNS", "8")),
        "SOCKET_DATABASE_WAIT": float(os.environ.get("SOCKET_DATABASE_WAIT", "30")),
        # seconds between two runs of the scheduled work in each server process (closing
        # online consultations, e-mail digests); 0 turns it off (cron may run the commands)
        "SCHEDULER_INTERVAL": float(
            os.environ.get("SCHEDULER_INTERVAL", "0" if env == "testing" else "30")
        ),
        # public pages kept in memory per process (council/web/page_cache.py): at most this
        # long; 0 turns it off (the tests' default); served without looking at the record for
        # FRESH seconds, then rendered again once the record's head has moved
        "PAGE_CACHE_SECONDS": float(
            os.environ.get("PAGE_CACHE_SECONDS", "0" if env == "testing" else "10")
        ),
        "PAGE_CACHE_FRESH_SECONDS": float(os.environ.get("PAGE_CACHE_FRESH_SECONDS", "1")),
        "PAGE_CACHE_ENTRIES": int(os.environ.get("PAGE_CACHE_ENTRIES", "256")),
        "TESTING": env == "testing",
    }
    config.update(overrides)
    return config
