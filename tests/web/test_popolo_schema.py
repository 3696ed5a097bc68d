"""The open data's vote events are valid Popolo: every vote event and organization of
/api/v1/popolo/vote-events validates against Popolo's own JSON schemas (tests/popolo_schemas,
draft-03), and a named vote says who voted by proxy, who declared a conflict of interest and
did not vote, who was in the room without voting and who was absent."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from council.extensions import db
from council.models.base import utcnow
from council.models.user import User
from tests.meeting_helpers import detach
from tests.poll_helpers import group_council, story
from tests.web.test_open_data import fetch

SCHEMAS = Path(__file__).resolve().parent.parent / "popolo_schemas"
BASE = "http://www.popoloproject.com/schemas/"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


REGISTRY = Registry().with_resources(
    (BASE + path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT3))
    for path in SCHEMAS.glob("*.json")
)


def errors_of(instance: dict, name: str) -> list[str]:
    validator = Draft3Validator(_schema(name), registry=REGISTRY,
                                format_checker=Draft3Validator.FORMAT_CHECKER)  # fmt: skip
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture
def told(make_user):
    council = group_council(make_user)
    absent = make_user("member", name="Ada Assente")  # never checked in, no proxy
    db.session.get(User, absent.id).created_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return story(detach(council))


def test_every_vote_event_is_valid_popolo_and_says_who_did_not_vote(told, client):
    page = fetch(client, "/api/v1/popolo/vote-events").get_json()
    assert len(page["vote_events"]) == 3
    for event in page["vote_events"]:
        assert errors_of(event, "vote_event") == [], event["id"]
        # the session's start as Popolo's event schema wants it: to the second
        assert errors_of(event["legislative_session"], "event") == []
        assert not event["legislative_session"]["start_date"].endswith(".000Z")
    for organization in page["organizations"]:
        assert errors_of(organization, "organization") == []

    named = next(e for e in page["vote_events"] if e["id"] == f"poll:{told.named.id}")
    options = {v["voter"]["name"]: v for v in named["votes"]}
    assert options["Ada Assente"]["option"] == "absent"
    assert options["Realtà 4"]["option"] == "no"
    assert options["Realtà 4"]["proxy"]["name"] == "Realtà 1"  # cast by the proxy's holder
    assert options["Assessore 3"]["option"] == "not voting"
    assert options["Assessore 3"]["reason"] == "conflict_of_interest"
    assert sum(v["option"] in ("yes", "no", "abstain") for v in named["votes"]) == 9


def test_the_schemas_refuse_what_popolo_refuses(told, client):
    """The check can fail: milliseconds in a session's start, as published before, are not
    Popolo."""
    event = fetch(client, "/api/v1/popolo/vote-events").get_json()["vote_events"][0]
    event["legislative_session"]["start_date"] = "2026-11-24T18:03:11.402Z"
    assert errors_of(event, "vote_event")
