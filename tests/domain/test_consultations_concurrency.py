"""Closing online consultations with real threads racing, on SQLite and PostgreSQL alike:
two schedulers at once close each consultation once; responses racing the close are each
counted or refused, and the stored totals equal the rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from council.domain.voting import consultations
from council.errors import DomainError, InvalidState
from council.extensions import db
from council.models.base import utcnow
from council.models.consultation import Consultation, ConsultationResponse, ConsultationState
from council.models.user import User
from tests.consultation_helpers import opened, option_ids, respond, time_passes
from tests.domain.test_voting_concurrency import race
from tests.factories import fresh
from tests.meeting_helpers import events_since, head, make_council

pytestmark = pytest.mark.slow  # real races between threads


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=12)


def test_two_schedulers_at_once_close_each_consultation_once(app, council):
    due = [opened(council.secretary) for _ in range(3)]
    for n, consultation in enumerate(due):
        respond(council.members[n], consultation, 1)
        time_passes(consultation)
    before = head()
    now = utcnow()
    results = race(app, [lambda s: consultations.close_due(s, now) for _ in range(4)])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(c.id for r in results for c in r) == sorted(c.id for c in due)
    closed = events_since(before, "consultation.closed")
    assert len(closed) == 3
    for consultation in due:
        assert fresh(consultation).state == ConsultationState.CLOSED


def test_the_scheduler_and_the_secretary_at_once_close_once(app, council):
    consultation = opened(council.secretary)
    time_passes(consultation)
    before = head()
    secretary_id = council.secretary.id

    def by_hand(session):
        return consultations.close(session, session.get(User, secretary_id), consultation.id)

    results = race(app, [lambda s: consultations.close_due(s, utcnow()), by_hand])
    assert len(events_since(before, "consultation.closed")) == 1
    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, InvalidState) for r in refused)
    assert len(refused) <= 1


def test_responses_racing_the_close_are_counted_or_refused_and_totals_match(app, council):
    consultation = opened(council.secretary)
    first = option_ids(consultation, 1)
    people = [m.id for m in council.all_members]

    def answer(user_id):
        return lambda s: consultations.respond(s, s.get(User, user_id), consultation.id, first)

    chair_id = council.chair.id
    jobs = [answer(uid) for uid in people]
    jobs.insert(len(jobs) // 2, lambda s: consultations.close(s, s.get(User, chair_id),
                                                               consultation.id))  # fmt: skip
    results = race(app, jobs)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, DomainError) for r in errors), errors
    row = fresh(consultation)
    assert row.state == ConsultationState.CLOSED
    stored_rows = db.session.scalar(
        select(func.count(ConsultationResponse.id)).where(
            ConsultationResponse.consultation_id == consultation.id
        )
    )
    assert row.respondents == stored_rows == len(people) - len(errors)
    assert row.options[0].count == stored_rows
    [(_kind, data)] = events_since(0, "consultation.closed")
    assert data["respondents"] == stored_rows == len(data["participants"])


def test_the_same_person_responding_twice_at_once_keeps_one_response(app, council):
    consultation = opened(council.secretary)
    member_id = council.members[0].id
    choices = [option_ids(consultation, 1), option_ids(consultation, 2)] * 2

    def answer(ids):
        return lambda s: consultations.respond(s, s.get(User, member_id), consultation.id, ids)

    results = race(app, [answer(ids) for ids in choices])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(changed for _r, changed in results) == [False, True, True, True]
    assert db.session.scalar(select(func.count(ConsultationResponse.id))) == 1
    assert len(events_since(0, "consultation.responded")) == 1
    assert db.session.scalar(select(func.count(Consultation.id))) == 1
