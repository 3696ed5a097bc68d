"""Settings read from the environment: the site's own address (PUBLIC_URL) follows where the
development server listens, so the PDF, the open data and the Atom ids link back to it."""

from __future__ import annotations

import pytest

from council import config


@pytest.fixture
def environment(monkeypatch):
    for name in ("PUBLIC_URL", "HOST", "PORT", "CONSIGLIO_ENV"):
        monkeypatch.delenv(name, raising=False)

    def load(env: str, **variables: str) -> dict:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        return config.load({"ENV_NAME": env, "SECRET_KEY": "x" * 32})

    return load


def test_in_development_the_public_url_follows_host_and_port(environment):
    assert environment("development")["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert environment("development", PORT="5123")["PUBLIC_URL"] == "http://127.0.0.1:5123"
    served = environment("development", HOST="0.0.0.0", PORT="8000")
    assert served["PUBLIC_URL"] == "http://localhost:8000"
    assert environment("development", HOST="::1", PORT="8001")["PUBLIC_URL"] == "http://[::1]:8001"


def test_a_public_url_that_is_set_wins_everywhere(environment):
    given = "https://consiglio.example.org/"
    for env in ("development", "production", "testing"):
        loaded = environment(env, PUBLIC_URL=given, HOST="0.0.0.0", PORT="5123")
        assert loaded["PUBLIC_URL"] == "https://consiglio.example.org"


def test_outside_development_the_port_does_not_guess_the_address(environment):
    # production is served behind a proxy: the port it listens on is not its public address
    assert environment("production", PORT="8000")["PUBLIC_URL"] == "http://localhost:5000"
    assert environment("testing", PORT="5123")["PUBLIC_URL"] == "http://localhost:5000"
