"""What people type, made plain before it is checked, stored or printed: one rule for every
text field, a named choice between a text of lines and a one-line field."""

from __future__ import annotations

import hashlib
import re

# C0 control characters other than tab and newline, and DEL: invisible on a page, and
# PostgreSQL cannot even store NUL.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str | None, *, one_line: bool = False) -> str:
    """`text` with line ends made "\\n" and the control characters dropped (tab and newline
    stay). `one_line`: a title, a name, a short reason; every control character, newline and
    run of white space becomes one space, and the ends are trimmed. A text of lines keeps its
    blanks: the caller trims what its field wants trimmed."""
    text = text or ""
    if one_line:
        return " ".join(CONTROL.sub(" ", text).split())
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def sha256(text: str) -> str:
    """The hex SHA-256 of a text's UTF-8: what the record carries in place of a long text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
