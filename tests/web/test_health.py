"""/healthz as a load balancer reads it: 200 when the database (and Redis, when configured)
answer, 503 naming what does not; no cookie, never cached."""

from __future__ import annotations


def test_healthy(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    expected = "ok" if app.config.get("REDIS_URL") else "not configured"
    assert body["redis"] == expected
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_an_unreachable_redis_makes_it_unavailable(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable", "database": "ok", "redis": "unreachable",
    }  # fmt: skip
