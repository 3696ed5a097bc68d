"""Logs as an operator reads them: one line per request and per socket event, JSON in
production, and nothing private in them (no query string, no body, no ballot's choice)."""

from __future__ import annotations

import json
import logging

from flask import Flask

from council import logs


def access_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "consiglio.access"]


def test_a_request_is_one_line_without_its_query_or_body(client, caplog):
    caplog.set_level(logging.INFO, logger="consiglio.access")
    assert client.get("/proposals?q=segreto-da-non-scrivere").status_code == 200
    (line,) = [r for r in access_lines(caplog) if r.path == "/proposals"]
    assert (line.method, line.status, line.user) == ("GET", 200, None)
    assert isinstance(line.ms, float) and line.ms >= 0
    assert "segreto" not in line.getMessage()
    client.get("/healthz")
    assert not [r for r in access_lines(caplog) if r.path == "/healthz"]  # probes are noise


def test_production_writes_json_lines(capsys):
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    app = Flask(__name__)
    app.config.update(ENV_NAME="production", LOG_FORMAT="json", LOG_LEVEL="INFO")
    try:
        logs.configure(app)
        app.add_url_rule("/x", "x", lambda: "ok")
        app.test_client().get("/x?token=abc")
    finally:
        root.handlers[:], root.level = saved, level
    (line,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert line["level"] == "INFO" and line["name"] == "consiglio.access"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/x", 200)
    assert "time" in line and "abc" not in json.dumps(line)
