"""The council's settings the administrators change (one row each, read by primary key)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from council.models.account_security import Setting
from council.models.base import utcnow

TWO_STEP_REQUIRED = "two_step_required"  # "1": the TWO_STEP_ROLES must sign in in two steps


def flag(db: Session, key: str) -> bool:
    row = db.get(Setting, key)
    return row is not None and row.value == "1"


def set_flag(db: Session, key: str, on: bool) -> bool:
    """Store the flag; returns whether it changed."""
    row = db.get(Setting, key)
    value = "1" if on else "0"
    if row is not None and row.value == value:
        return False
    if row is None:
        db.add(Setting(key=key, value=value, changed_at=utcnow()))
    else:
        row.value, row.changed_at = value, utcnow()
    db.flush()
    return True
