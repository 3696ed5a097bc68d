"""The live preview of the writing boxes (static/js/editor.js): the posted markdown rendered by
the server, through the same checks and the same sanitizer as when it is saved, as JSON.

POST /preview/<kind> with `body` (and the CSRF token in X-CSRFToken or the form): `kind` names
the field whose rules apply (its length, its work budget, who may write it). A refusal is the
message the form would show on save. Each person may ask for PREVIEW_BURST previews at once and
PREVIEW_PER_SECOND after that, counted in this process's memory: a preview writes nothing, and
what the limit protects is the CPU of the process that renders it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from council import markdown
from council.domain import permissions
from council.domain.archive import minutes
from council.domain.discussion import comment_rules
from council.domain.proposals import amendments, proposals
from council.errors import ValidationError

bp = Blueprint("preview", __name__, url_prefix="/preview")
# Answered in JSON, a refused CSRF token too (council/web/__init__.py).
ENDPOINTS = frozenset({"preview.render", "proposals.preview"})

PREVIEW_BURST = 20
PREVIEW_PER_SECOND = 1.0
# A form-encoded character takes at most 12 bytes (%XX for each of 4 UTF-8 bytes): more than
# that is refused before the form is read.
BYTES_PER_CHAR = 12
FORM_OVERHEAD = 8_192


@dataclass(frozen=True)
class Kind:
    action: str  # permissions.py: who may write this field
    clean: Callable[[str], str]  # the field's own check, the one its save calls
    max_chars: int


KINDS = {
    "proposal": Kind("proposal.create", proposals.clean_body, proposals.MAX_BODY),
    "amendment": Kind("amendment.create", amendments.clean_body, amendments.MAX_BODY),
    "comment": Kind("comment.create", comment_rules.clean_body, comment_rules.MAX_BODY),
    "minutes": Kind("minutes.manage", minutes.clean_body, minutes.MAX_BODY),
}


class Buckets:
    """A token bucket per key: `burst` at once, then `rate` a second."""

    def __init__(self, rate: float, burst: int, most_keys: int = 20_000) -> None:
        self.rate, self.burst, self.most_keys = rate, burst, most_keys
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: str) -> float:
        """0 when admitted (one token taken), else the seconds to wait for the next one."""
        now = time.monotonic()
        with self._lock:
            tokens, when = self._tokens.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.rate)
            if tokens < 1:
                self._tokens[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._tokens[key] = (tokens - 1, now)
            if len(self._tokens) > self.most_keys:
                self._forget_full(now)
            return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled: forgetting them changes nothing."""
        full = [k for k, (t, w) in self._tokens.items() if t + (now - w) * self.rate >= self.burst]
        for key in full:
            del self._tokens[key]


buckets = Buckets(PREVIEW_PER_SECOND, PREVIEW_BURST)


def _refuse(status: int, code: str, message: str, **headers):
    response = jsonify(error=code, message=message)
    response.status_code = status
    response.headers.update(headers)
    return response


def answer(kind_name: str):
    """The sanitized HTML of the posted text as `{"html": ...}`, or `{"error", "message"}`."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return _refuse(404, "not_found", _("The page you asked for does not exist or was moved."))
    user = permissions.as_user(current_user)
    if user is None:
        return _refuse(403, "not_allowed", _("Log in to do this."))
    if not permissions.can(user, kind.action):
        return _refuse(403, "not_allowed", _("You are not allowed to do this."))
    if (request.content_length or 0) > kind.max_chars * BYTES_PER_CHAR + FORM_OVERHEAD:
        return _refuse(
            413,
            "too_large",
            _("This text is too long to preview: at most %(n)d characters.", n=kind.max_chars),
        )
    wait = buckets.take(user.public_id)
    if wait:
        return _refuse(
            429,
            "rate_limited",
            _("Too many previews in a short time: wait a moment, the preview will come back."),
            **{"Retry-After": str(math.ceil(wait))},
        )
    body = request.form.get("body", "")
    if not body.strip():
        return jsonify(html="")
    try:
        text = kind.clean(body)
    except ValidationError as error:
        return _refuse(error.status, error.code, error.message)
    return jsonify(html=str(markdown.render(text)))


@bp.post("/<kind>")
def render(kind: str):
    return answer(kind)
