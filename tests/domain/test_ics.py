"""The calendar invitation: a valid VCALENDAR, TEXT escaped, lines folded at 75 octets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from council import ics

START = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 9, 0, 5, tzinfo=UTC)


def unfold(data: bytes) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space continues the line."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def make(**kw) -> bytes:
    values = {
        "uid": "meeting-7@consiglio.example.org",
        "start": START,
        "end": START + timedelta(hours=2),
        "summary": "Seduta ordinaria",
        "now": NOW,
    }
    values.update(kw)
    return ics.calendar(**values)


def test_a_minimal_event_has_every_required_property():
    lines = unfold(make(location="Sala dei Giudici", url="https://x.example/meetings/7"))
    assert lines[:5] == [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ics.PRODID}", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]  # fmt: skip
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    assert "UID:meeting-7@consiglio.example.org" in lines
    assert "DTSTAMP:20261124T090005Z" in lines
    assert "DTSTART:20261203T173000Z" in lines
    assert "DTEND:20261203T193000Z" in lines
    assert "SEQUENCE:0" in lines
    assert "LOCATION:Sala dei Giudici" in lines
    assert "URL:https://x.example/meetings/7" in lines


def test_times_are_written_in_utc_whatever_their_zone():
    rome = timezone(timedelta(hours=1))
    lines = unfold(make(start=datetime(2026, 12, 3, 18, 30, tzinfo=rome), sequence=4))
    assert "DTSTART:20261203T173000Z" in lines and "SEQUENCE:4" in lines
    with pytest.raises(ValueError):
        make(start=datetime(2026, 12, 3, 18, 30))


def test_text_is_escaped():
    lines = unfold(make(summary="Bilancio; voci, note \\ varie", description="Uno\nDue\r\nTre"))
    assert "SUMMARY:Bilancio\\; voci\\, note \\\\ varie" in lines
    assert "DESCRIPTION:Uno\\nDue\\nTre" in lines


def test_long_lines_fold_at_75_octets_never_inside_a_character():
    summary = "Welfare di comunità è più forte — " * 8
    data = make(summary=summary, description="è" * 200)
    assert data.endswith(b"\r\n")
    for raw in data.split(b"\r\n"):
        assert len(raw) <= 75
        raw.decode("utf-8")  # each physical line is whole UTF-8
    assert f"SUMMARY:{summary}" in unfold(data)
    assert "DESCRIPTION:" + "è" * 200 in unfold(data)
