"""Citizens' pages speak plainly, name things one way and tell the story's dates: the demo's
decision, minutes, meeting and poll pages show no event code (`poll.prepared`) and no command,
a decision is "Deliberazione n. 2026/003" (never a database id), minutes are "Verbale della
seduta del …"; the record events of a decision carry the day the story tells. The codes live
on the verification page and in the open data."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from council import record_text
from council.clock import ROME
from council.domain.archive import decisions
from council.extensions import db
from council.models.meeting import Meeting
from council.models.minutes import Minutes
from council.models.poll import Decision, Poll
from council.models.record import RecordEvent
from tests.factories import reread


def visible(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)  # attributes (hrefs with ?subject=…) are not read
    return re.sub(r"\s+", " ", html.unescape(body))


def test_the_demo_pages_speak_plainly_and_tell_the_storys_dates(demo, make_web):
    reread()
    kinds = set(db.session.scalars(select(RecordEvent.kind).distinct())) | set(
        record_text.SENTENCES
    )
    code = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in sorted(kinds)) + r")(?![\w])")
    numbered = list(db.session.scalars(select(Decision).order_by(Decision.year, Decision.seq)))
    ids, numbers = [d.id for d in numbered], [d.number for d in numbered]
    meetings = list(db.session.scalars(select(Meeting).order_by(Meeting.id)))
    with_minutes = set(db.session.scalars(select(Minutes.meeting_id)))
    polls = list(db.session.scalars(select(Poll.id)))
    paths = [f"/decisions/{number}" for number in numbers]
    paths += [f"/meetings/{m.id}" for m in meetings]
    paths += [f"/meetings/{m}/minutes" for m in sorted(with_minutes)]
    paths += [f"/polls/{p}" for p in polls]
    paths += ["/decisions", "/meetings", "/record", "/open-data"]
    web = make_web()
    for path in paths:
        response = web.get(path)
        if path.endswith("/minutes") and response.status_code == 404:
            continue  # a draft is not public
        assert response.status_code == 200, path
        text = visible(response)
        assert not code.search(text), (path, code.search(text).group(0))
        assert "flask --app" not in text, path
        assert "Decisione n." not in text and "Verbale n." not in text, path
        assert not re.search(r"Seduta n\. \d", text), path

    # a decision named by its number, a meeting and its minutes by the meeting's day
    record_page = visible(web.get("/record?type=decision"))
    for number in numbers:
        assert f"Deliberazione n. {number}" in record_page
    reread()
    approved = db.session.scalars(select(Minutes).where(Minutes.state == "approved")).first()
    day = approved.meeting.starts_at.astimezone(ROME)
    minutes_page = visible(web.get(f"/record?subject=minutes:{approved.id}"))
    assert f"Verbale della seduta del {day.day} " in minutes_page

    # the record events of each decision carry the day of its vote, as the story tells it
    reread()
    told = []
    for decision in [db.session.get(Decision, d) for d in ids]:
        recorded = next(e for e in decisions.trail(db.session, decision)
                        if e.kind == "decision.recorded")  # fmt: skip
        told.append((decision.number, recorded.at, decision.poll.closed_at, decision.decided_on))
    for number, at, closed_at, decided_on in told:
        assert at.startswith(closed_at.strftime("%Y-%m-%d")), (number, at)
        assert f"{decided_on.day} " in visible(web.get(f"/decisions/{number}"))

    # the codes are explained on the verification page, for those who verify
    assert "poll.prepared" in visible(web.get("/record/verify"))
