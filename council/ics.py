"""iCalendar (RFC 5545) invitations: one VEVENT per meeting, escaped and folded properly."""

from __future__ import annotations

from datetime import UTC, datetime

PRODID = "-//Consiglio di indirizzo del welfare//Consiglio//IT"
FOLD_AT = 75  # octets per line, CRLF excluded


def escape(value: str) -> str:
    """TEXT escaping: backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> bytes:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space (which counts in their 75)."""
    out: list[bytes] = []
    chunk = b""
    limit = FOLD_AT
    for char in line:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > limit:
            out.append(chunk)
            chunk = b" "
            limit = FOLD_AT
        chunk += encoded
    out.append(chunk)
    return b"\r\n".join(out) + b"\r\n"


def stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to the calendar")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(
    *,
    uid: str,
    start: datetime,
    end: datetime,
    summary: str,
    location: str = "",
    url: str = "",
    description: str = "",
    sequence: int = 0,
    cancelled: bool = False,
    now: datetime | None = None,
) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) holding one VEVENT, as bytes with CRLF line ends."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape(uid)}",
        f"DTSTAMP:{stamp(now or datetime.now(UTC))}",
        f"DTSTART:{stamp(start)}",
        f"DTEND:{stamp(end)}",
        f"SEQUENCE:{int(sequence)}",
        f"SUMMARY:{escape(summary)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if url:
        lines.append(f"URL:{url}")  # a URI value: not TEXT-escaped
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    lines += [
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return b"".join(fold(line) for line in lines)
