"""The public record's contract, checked the way an outsider would: over HTTP, with the
standalone verifier from docs/ that imports nothing of ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from council.extensions import db

VERIFIER = Path(__file__).resolve().parents[2] / "docs" / "verify_record.py"


def _verify(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), url, *extra],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_outside_verifier_accepts_the_chain_then_catches_tampering(app, demo, live_server):
    ok = _verify(live_server.url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    head = app.test_client().get("/api/v1/record/head").get_json()
    assert ok.stdout.strip().endswith(head["hash"])
    assert _verify(live_server.url, "--anchor", f"{head['seq']}:{head['hash']}").returncode == 0
    assert _verify(live_server.url, "--anchor", f"5:{head['hash']}").returncode == 1

    with db.engine.begin() as conn:
        conn.execute(text("UPDATE record_events SET actor = 'u-forged' WHERE seq = 12"))
    broken = _verify(live_server.url)
    assert broken.returncode == 1
    assert "seq 12" in broken.stdout
