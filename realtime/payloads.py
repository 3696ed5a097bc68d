"""The payloads of socket events: strictly typed fields, refused `invalid` naming the first
bad one (docs/realtime.md, "Acknowledgements and errors")."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

from council.errors import ValidationError

MAX_INT = 2**31 - 1
MAX_STR = 64
# a NUL is never typed and PostgreSQL cannot store one; a lone surrogate cannot be encoded
_UNSTORABLE = re.compile("[\\x00\\ud800-\\udfff]")


def _invalid(name: str) -> ValidationError:
    return ValidationError(_("The request is malformed (%(field)s).", field=name), field=name)


class Text:
    """A free text field of up to `limit` characters (a question, a statement)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit


class Version:
    """A live version a client holds: an integer from 0."""


def _valid(kind: Any, value: Any) -> bool:
    if kind is Version:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT
    limit = kind.limit if isinstance(kind, Text) else MAX_STR
    return isinstance(value, str) and 0 < len(value) <= limit and not _UNSTORABLE.search(value)


def parse(payload: Any, required: dict[str, Any], optional: dict[str, Any] | None = None):
    """The fields asked for, strictly typed (int: not bool, 1..2^31-1; str: 1..64 characters;
    Text(n): 1..n characters; bool); unknown fields are ignored. Raises ValidationError
    naming the first bad field."""
    if not isinstance(payload, dict):
        raise _invalid("payload")
    values: dict[str, Any] = {}
    for name, kind in {**required, **(optional or {})}.items():
        if name not in payload or payload[name] is None:
            if name in required:
                raise _invalid(name)
            continue
        if not _valid(kind, payload[name]):
            raise _invalid(name)
        values[name] = payload[name]
    return values
