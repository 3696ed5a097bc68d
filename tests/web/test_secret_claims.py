"""What the screens say of a secret vote, each claim checked (issue 18, finding 8; the list is
in docs/voting.md, "Secret polls: what can be known"):

- "Only who took part ... and the totals are kept, not who voted what. The vote is secret
  from the other members and the public": two secret polls with the same voters, in the same
  order, choices swapped between them but the same totals, leave the same rows in every table
  and every column, the same record events, the same pages, open data and live snapshot. A
  link from a person to a choice anywhere
  would make them differ.
- "... but not from the platform: whoever can read its database could work out how each
  member voted": reading the counters between ballots gives every choice. If this test ever
  fails, the platform has become secret from itself and the words must change too.
- The page "How a secret vote works" is linked from the ballot and names the residual risk.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from council.db import Base
from council.domain.voting import polls
from council.extensions import db
from council.models.poll import Choice, Poll, SecretTally
from tests.factories import reread
from tests.meeting_helpers import detach, make_council, run, running_meeting, state

YES, NO, ABST = "in_favour", "against", "abstain"
# the same totals (2 in favour, 1 against, 1 abstained), each member's choice different
FIRST, SECOND = [YES, NO, ABST, YES], [NO, YES, YES, ABST]
# what differs between two polls whatever is voted: their ids, and the times of things
VARYING = {"id", "seq", "hash", "prev", "at", "version", "live_version"}


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user))


def everything() -> dict[str, dict]:
    """Every row of every table, by table and primary key."""
    reread()
    rows = {}
    for table in Base.metadata.sorted_tables:
        keys = [column.name for column in table.primary_key.columns]
        rows[table.name] = {
            tuple(row[k] for k in keys): dict(row)
            for row in db.session.execute(select(table)).mappings()
        }
    return rows


def _plain(table: str, row: dict, poll_id: int) -> tuple:
    """A row as it would be for any poll: no ids, no times, the poll's id a placeholder."""
    out = []
    for name, value in sorted(row.items()):
        if name in VARYING or isinstance(value, datetime):
            continue
        if name == "poll_id" or (table == "polls" and name == "id"):
            value = "POLL" if value == poll_id else value
        if isinstance(value, str):
            value = value.replace(f"poll:{poll_id}", "poll:POLL")
        out.append((name, value))
    return (table, tuple(out))


def what_changed(before: dict, after: dict, poll_id: int) -> list[tuple]:
    """The rows a poll added or changed, in every table, each as _plain, sorted."""
    changed = []
    for table, rows in after.items():
        for key, row in rows.items():
            if before[table].get(key) != row:
                changed.append(_plain(table, row, poll_id))
    return sorted(changed, key=repr)


def secret_vote(council, meeting, choices) -> int:
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="secret", rule="simple", question="Nominare la rappresentante?")  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    for person, choice in zip(council.members, choices, strict=True):
        run(polls.cast_ballot, person, poll.id, choice, f"ballot-of-{person.public_id}")
    run(polls.close_poll, council.chair, poll.id)
    return poll.id


def words(response) -> str:
    """The page's main content as text, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = body[body.index("<main") : body.index("</main>")]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def public_words(web, path: str) -> str:
    """As words(), times of day aside; the tags, and with them the links, are gone."""
    return re.sub(r"\d{1,2}:\d{2}", "HH:MM", words(web.get(path)))


def vote_event(web, poll_id: int) -> str:
    events = web.get("/api/v1/popolo/vote-events").get_json()["vote_events"]
    (event,) = [e for e in events if e["id"] == f"poll:{poll_id}"]
    text = re.sub(rf"(poll:|/polls/){poll_id}\b", r"\1POLL", json.dumps(event, sort_keys=True))
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z?", "TIME", text)


def test_what_is_kept_and_shown_depends_on_the_totals_never_on_who_chose_what(council, make_web):
    meeting = running_meeting(council)
    before = everything()
    first = secret_vote(council, meeting, FIRST)
    between = everything()
    first_seen = state(meeting)["poll"]
    second = secret_vote(council, meeting, SECOND)
    after = everything()
    second_seen = state(meeting)["poll"]

    first_rows = what_changed(before, between, first)
    second_rows = what_changed(between, after, second)
    assert first_rows == second_rows
    assert any(table == "poll_participations" for table, _row in first_rows)
    assert any(table == "secret_tallies" for table, _row in first_rows)
    assert any(table == "record_events" for table, _row in first_rows)

    public = make_web()
    assert public_words(public, f"/polls/{first}") == public_words(public, f"/polls/{second}")
    assert vote_event(public, first) == vote_event(public, second)
    assert first_seen | {"id": 0} == second_seen | {"id": 0}
    assert first_seen["tally"] == {YES: 2, NO: 1, ABST: 1}
    assert [p["id"] for p in first_seen["participants"]] == sorted(
        (p.public_id for p in council.members), key=lambda i: next(
            m.name for m in council.members if m.public_id == i)
    )  # fmt: skip


def test_whoever_reads_the_database_while_a_poll_is_open_learns_each_choice(council):
    """The residual risk the ballot screen names. Should this test fail, the words on screen
    (council/web/polls.py, templates/polls/secret.html) and docs/voting.md must change."""
    meeting = running_meeting(council)
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="secret", rule="simple", question="Nominare la rappresentante?")  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)

    def counters() -> dict[Choice, int]:
        reread()
        query = select(SecretTally.choice, SecretTally.count).where(SecretTally.poll_id == poll.id)
        return dict(db.session.execute(query).all())

    learned = {}
    for person, choice in zip(council.members, FIRST, strict=True):
        was = counters()
        run(polls.cast_ballot, person, poll.id, choice, f"ballot-of-{person.public_id}")
        now = counters()
        (moved,) = [c for c in now if now[c] != was.get(c, 0)]
        learned[person.public_id] = str(moved)
    assert learned == {p.public_id: c for p, c in zip(council.members, FIRST, strict=True)}
    reread()
    assert db.session.get(Poll, poll.id).kind == "secret"


def test_the_ballot_says_what_is_true_and_links_how_a_secret_vote_works(council, make_web):
    meeting = running_meeting(council)
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="secret", rule="simple", question="Nominare la rappresentante?")  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    member = make_web()
    member.login(council.members[0].email)
    # "Segui in diretta" leads a member to the ballot: the meeting's page
    assert member.get(f"/meetings/{meeting.id}/live").headers["Location"] == (
        f"/meetings/{meeting.id}#now"
    )
    live = member.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    said = html.unescape(re.sub(r"\s+", " ", live))  # with the tags: the link is checked
    assert "nemmeno la piattaforma" not in said
    assert "non per la piattaforma: chi la gestisce o può leggerne il database" in said
    assert 'href="/polls/secret-ballot">Come funziona il voto segreto</a>' in said
    assert "si vede solo quanti hanno votato" in said

    help_page = make_web().get("/polls/secret-ballot")  # no account needed
    assert help_page.status_code == 200
    said = words(help_page)
    for residual in (
        "mentre la votazione è aperta, guardando quale contatore si muove",
        "anche dopo la chiusura", "copia di sicurezza del database",
        "Chi controlla il server mentre voti", "si svolga con schede cartacee",
    ):  # fmt: skip
        assert residual in said, residual
    english = make_web().get("/polls/secret-ballot?lang=en").get_data(as_text=True)
    assert "How a secret vote works" in english and "not secret from the platform" in english
