"""Online consultations: drafts, opening, every refusal of a response, changing one, the close
by hand and on time, results (hidden, Borda, ties) and what the record says."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from council.domain.voting import consultation_queries as queries
from council.domain.voting import consultations
from council.errors import InvalidState, NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.base import utcnow
from council.models.consultation import (
    Consultation,
    ConsultationAnswer,
    ConsultationResponse,
    ConsultationState,
)
from council.unit_of_work import unit_of_work
from tests.consultation_helpers import (
    OPTIONS,
    draft,
    fields,
    opened,
    option_ids,
    respond,
    time_passes,
)
from tests.factories import fresh, notes_of
from tests.meeting_helpers import events_since, head, make_council, run


@pytest.fixture
def council(make_user):
    return make_council(make_user, members=4)


def responses_stored() -> int:
    return db.session.scalar(select(func.count(ConsultationResponse.id)))


# --- drafts -------------------------------------------------------------------------------------


def test_a_draft_is_private_and_not_recorded(council):
    before = head()
    consultation = draft(council.secretary)
    assert consultation.state == ConsultationState.DRAFT
    assert [o.label for o in consultation.options] == OPTIONS
    assert head() == before
    assert queries.get(db.session, council.chair, consultation.id).id == consultation.id
    for outsider in (council.members[0], council.stakeholder, council.admin, AnonymousUserMixin()):
        with pytest.raises(NotFound):
            queries.get(db.session, outsider, consultation.id)
    assert queries.listing(db.session, council.members[0])["drafts"] == []
    assert queries.listing(db.session, council.secretary)["drafts"] == [consultation]


@pytest.mark.parametrize("who", ["members", "stakeholder", "admin"])
def test_only_the_secretary_and_the_chair_prepare_consultations(council, who):
    person = {"members": council.members[0], "stakeholder": council.stakeholder,
              "admin": council.admin}[who]  # fmt: skip
    with pytest.raises(NotAllowed):
        draft(person)
    assert draft(council.chair).id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"audience": "everyone"}, "audience"),
        ({"kind": "approval"}, "kind"),
        ({"options": ["Solo una"]}, "options"),
        ({"options": [f"Opzione {n}" for n in range(21)]}, "options"),
        ({"options": ["Casa", " casa "]}, "options"),
        ({"options": ["Casa", "x" * 201]}, "options"),
        ({"options": "Casa\nLavoro"}, "options"),
        ({"closes_at": utcnow() - timedelta(minutes=1)}, "closes_at"),
        ({"closes_at": utcnow() + timedelta(days=400)}, "closes_at"),
        ({"closes_at": "domani"}, "closes_at"),
        ({"audience": "stakeholders", "binding": True}, "binding"),
        ({"kind": "multiple", "max_choices": None}, "max_choices"),
        ({"kind": "multiple", "max_choices": 1}, "max_choices"),
        ({"kind": "multiple", "max_choices": 5}, "max_choices"),
        ({"kind": "multiple", "max_choices": "tre"}, "max_choices"),
    ],
)
def test_a_draft_refuses_bad_fields_and_names_them(council, overrides, field):
    with pytest.raises(ValidationError) as refused:
        draft(council.secretary, **overrides)
    assert refused.value.field == field
    assert refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_blank_option_lines_are_dropped_and_spaces_collapsed(council):
    consultation = draft(council.secretary, options=["  Casa   e abitare ", "", "Lavoro"])
    assert [o.label for o in consultation.options] == ["Casa e abitare", "Lavoro"]


def test_editing_a_draft_replaces_its_options_in_order_and_checks_the_version(council):
    consultation = draft(council.secretary)
    changed = run(consultations.edit, council.chair, consultation.id, version=1,
                  **fields(options=["Uno", "Due"], kind="multiple", max_choices=2))  # fmt: skip
    assert [o.label for o in changed.options] == ["Uno", "Due"]
    assert [o.position for o in changed.options] == [1, 2]
    assert changed.version == 2 and changed.max_choices == 2
    more = run(consultations.edit, council.chair, consultation.id, version=2,
               **fields(options=["Uno", "Due", "Tre"]))  # fmt: skip
    assert [o.label for o in more.options] == ["Uno", "Due", "Tre"]
    assert more.max_choices is None
    with pytest.raises(InvalidState):  # somebody else saved version 3 meanwhile
        run(consultations.edit, council.chair, consultation.id, version=2, **fields())


def test_an_open_consultation_can_no_longer_be_edited(council):
    consultation = opened(council.secretary)
    with pytest.raises(InvalidState):
        run(consultations.edit, council.secretary, consultation.id, **fields(title="Altro"))
    assert fresh(consultation).title == "Priorità del Piano welfare 2027"


# --- opening ------------------------------------------------------------------------------------


def test_opening_records_the_question_and_notifies_the_audience_only(council):
    before = head()
    consultation = opened(council.secretary, kind="multiple", max_choices=2)
    assert consultation.state == ConsultationState.OPEN and consultation.opens_at is not None
    [(kind, data)] = events_since(before, "consultation.")
    assert kind == "consultation.opened"
    assert data["kind"] == "multiple" and data["max_choices"] == 2
    assert data["audience"] == "members" and data["binding"] is False
    assert [o["label"] for o in data["options"]] == OPTIONS
    assert len(data["description_sha256"]) == 64
    for member in [council.chair, *council.members]:
        [note] = notes_of(member, "consultation_opened")
        assert note.url == f"/consultations/{consultation.id}"
    assert notes_of(council.secretary, "consultation_opened") == []  # the one who opened it
    assert notes_of(council.stakeholder, "consultation_opened") == []


def test_a_stakeholders_consultation_tells_the_stakeholders(council, make_user):
    other = make_user("stakeholder")
    opened(council.chair, audience="stakeholders")
    assert len(notes_of(council.stakeholder, "consultation_opened")) == 1
    assert len(notes_of(other, "consultation_opened")) == 1
    assert notes_of(council.members[0], "consultation_opened") == []


def test_opening_twice_or_after_the_closing_time_is_refused(council):
    consultation = opened(council.secretary)
    with pytest.raises(InvalidState):
        run(consultations.open_consultation, council.secretary, consultation.id)
    late = draft(council.secretary)
    time_passes(late)
    with pytest.raises(InvalidState):
        run(consultations.open_consultation, council.secretary, late.id)
    assert fresh(late).state == ConsultationState.DRAFT
    with pytest.raises(NotAllowed):
        run(consultations.open_consultation, council.members[0], late.id)


# --- responding ---------------------------------------------------------------------------------


def test_a_single_choice_response_is_stored_and_can_be_changed_until_the_close(council):
    consultation = opened(council.secretary)
    member = council.members[0]
    before = head()
    _response, changed = respond(member, consultation, 2)
    assert changed is False
    assert queries.response_of(db.session, member, consultation) == option_ids(consultation, 2)
    _response, changed = respond(member, consultation, 3)
    assert changed is True
    assert queries.response_of(db.session, member, consultation) == option_ids(consultation, 3)
    assert responses_stored() == 1
    assert db.session.scalar(select(func.count(ConsultationAnswer.id))) == 1
    # one event for the new response, a count and no actor; none for the change
    assert events_since(before) == [("consultation.responded", {"count": 1})]


def test_a_multiple_choice_takes_up_to_its_maximum(council):
    consultation = opened(council.secretary, kind="multiple", max_choices=2)
    respond(council.members[0], consultation, 1, 4)
    assert sorted(queries.response_of(db.session, council.members[0], consultation)) == sorted(
        option_ids(consultation, 1, 4)
    )
    with pytest.raises(ValidationError, match="al massimo 2"):
        respond(council.members[1], consultation, 1, 2, 3)
    with pytest.raises(ValidationError):
        respond(council.members[1], consultation)


def test_a_ranking_needs_every_option_once_and_keeps_the_order(council):
    consultation = opened(council.secretary, kind="ranking")
    respond(council.members[0], consultation, 3, 1, 4, 2)
    stored = queries.response_of(db.session, council.members[0], consultation)
    assert stored == option_ids(consultation, 3, 1, 4, 2)
    ranks = db.session.scalars(select(ConsultationAnswer.rank).order_by(ConsultationAnswer.rank))
    assert list(ranks) == [1, 2, 3, 4]
    with pytest.raises(ValidationError, match="ogni opzione"):
        respond(council.members[1], consultation, 3, 1, 4)


@pytest.mark.parametrize(
    "choices",
    [
        [999_999],  # an option of no consultation
        ["abc"],
        [True],
        [-1],
        [2**40],
        "1",  # a string, not a list
        None,
        [{"id": 1}],
    ],
)
def test_forged_choices_are_refused_and_change_nothing(council, choices):
    consultation = opened(council.secretary)
    with pytest.raises(ValidationError):
        run(consultations.respond, council.members[0], consultation.id, choices)
    assert responses_stored() == 0


def test_an_option_of_another_consultation_or_twice_the_same_is_refused(council):
    mine = opened(council.secretary, kind="multiple", max_choices=3)
    other = opened(council.secretary)
    with pytest.raises(ValidationError, match="non fa parte"):
        run(consultations.respond, council.members[0], mine.id, option_ids(other, 1))
    twice = option_ids(mine, 1) * 2
    with pytest.raises(ValidationError, match="più di una volta"):
        run(consultations.respond, council.members[0], mine.id, twice)
    with pytest.raises(ValidationError, match="Scegli un'opzione"):
        run(consultations.respond, council.members[0], other.id, option_ids(other, 1, 2))
    assert responses_stored() == 0


def test_only_the_audience_may_respond_with_the_reason_said(council):
    members_only = opened(council.secretary)
    stakeholders_only = opened(council.secretary, audience="stakeholders")
    with pytest.raises(NotAllowed, match="consiglieri"):
        respond(council.stakeholder, members_only, 1)
    with pytest.raises(NotAllowed, match="portatori"):
        respond(council.members[0], stakeholders_only, 1)
    with pytest.raises(NotAllowed, match="Accedi"):
        respond(AnonymousUserMixin(), members_only, 1)
    with pytest.raises(NotAllowed):
        respond(council.admin, members_only, 1)
    respond(council.stakeholder, stakeholders_only, 1)
    respond(council.chair, members_only, 1)  # the chair is a member too
    assert responses_stored() == 2


def test_a_draft_takes_no_response(council):
    consultation = draft(council.secretary)
    with pytest.raises(NotFound):
        respond(council.members[0], consultation, 1)
    with pytest.raises(InvalidState):
        respond(council.chair, consultation, 1)  # a manager sees it, but it is not open


def test_a_late_response_is_refused_even_before_the_scheduler_runs(council):
    consultation = opened(council.secretary)
    respond(council.members[0], consultation, 1)
    time_passes(consultation)
    assert fresh(consultation).state == ConsultationState.OPEN  # nobody closed it yet
    assert queries.phase(fresh(consultation)) == ConsultationState.CLOSED
    with pytest.raises(InvalidState, match="sondaggio è chiuso"):
        respond(council.members[1], consultation, 2)
    with pytest.raises(InvalidState):  # nor may an earlier response change
        respond(council.members[0], consultation, 2)
    assert queries.response_of(db.session, council.members[0], consultation) == option_ids(
        consultation, 1
    )
    assert responses_stored() == 1


def test_the_database_keeps_one_response_per_person(council):
    consultation = opened(council.secretary)
    respond(council.members[0], consultation, 1)
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(
            ConsultationResponse(consultation_id=consultation.id, user_id=council.members[0].id)
        )
        session.flush()
    assert responses_stored() == 1


# --- results ------------------------------------------------------------------------------------


def test_results_hidden_until_the_close_are_hidden_from_everyone_until_then(council):
    consultation = opened(council.secretary, results_hidden_until_close=True)
    respond(council.members[0], consultation, 1)
    assert queries.results(db.session, fresh(consultation)) is None
    assert queries.response_counts(db.session, [consultation.id]) == {consultation.id: 1}
    time_passes(consultation)
    shown = queries.results(db.session, fresh(consultation))  # past the time: shown
    assert shown is not None and shown.respondents == 1
    assert shown.options[0].label == OPTIONS[0] and shown.options[0].count == 1


def test_visible_results_are_counted_live_and_ties_share_a_place(council):
    consultation = opened(council.secretary)
    assert queries.results(db.session, fresh(consultation)).respondents == 0
    respond(council.members[0], consultation, 2)
    respond(council.members[1], consultation, 3)
    respond(council.members[2], consultation, 3)
    respond(council.members[3], consultation, 2)
    shown = queries.results(db.session, fresh(consultation))
    assert shown.respondents == 4
    top = shown.options[:2]
    assert [r.label for r in top] == [OPTIONS[1], OPTIONS[2]]
    assert [(r.count, r.place, r.tied, r.share) for r in top] == [(2, 1, True, 0.5)] * 2
    assert [(r.count, r.place) for r in shown.options[2:]] == [(0, 3), (0, 3)]


def test_a_ranking_is_counted_by_borda(council):
    consultation = opened(council.secretary, kind="ranking")
    respond(council.members[0], consultation, 1, 2, 3, 4)
    respond(council.members[1], consultation, 2, 1, 3, 4)
    respond(council.members[2], consultation, 2, 3, 1, 4)
    shown = queries.results(db.session, fresh(consultation))
    # 4 options: first place 3 points, then 2, 1, 0
    points = {r.label: r.points for r in shown.options}
    assert points == {OPTIONS[0]: 3 + 2 + 1, OPTIONS[1]: 2 + 3 + 3, OPTIONS[2]: 1 + 1 + 2,
                      OPTIONS[3]: 0}  # fmt: skip
    assert [r.label for r in shown.options] == [OPTIONS[1], OPTIONS[0], OPTIONS[2], OPTIONS[3]]
    assert [r.place for r in shown.options] == [1, 2, 3, 4]
    assert shown.options[0].share == pytest.approx(8 / 9)


def test_places_follow_competition_ranking():
    assert queries.places([9, 7, 7, 3]) == [1, 2, 2, 4]
    assert queries.places([0, 0]) == [1, 1]
    assert queries.borda(4, 3, 6) == 6


# --- closing ------------------------------------------------------------------------------------


def test_closing_by_hand_stores_and_records_the_totals_and_the_participants(council):
    consultation = opened(council.secretary, kind="ranking")
    respond(council.members[0], consultation, 1, 2, 3, 4)
    respond(council.members[1], consultation, 2, 1, 3, 4)
    before = head()
    closed = run(consultations.close, council.chair, consultation.id)
    assert closed.state == ConsultationState.CLOSED and closed.respondents == 2
    assert closed.closed_by_id == council.chair.id
    [(kind, data)] = events_since(before)
    assert kind == "consultation.closed" and data["early"] is True
    assert data["respondents"] == 2
    assert data["participants"] == sorted([council.members[0].public_id,
                                           council.members[1].public_id])  # fmt: skip
    assert [(r["count"], r["points"]) for r in data["results"]] == [(2, 5), (2, 5), (2, 2),
                                                                      (2, 0)]  # fmt: skip
    stored = queries.results(db.session, fresh(consultation))
    assert [(r.points, r.place, r.tied) for r in stored.options[:2]] == [(5, 1, True)] * 2
    with pytest.raises(InvalidState):
        run(consultations.close, council.chair, consultation.id)
    with pytest.raises(InvalidState):
        respond(council.members[2], consultation, 1, 2, 3, 4)
    with pytest.raises(NotAllowed):
        run(consultations.close, council.members[0], consultation.id)


def test_close_due_closes_on_time_as_the_system_and_only_what_is_due(council):
    due = opened(council.secretary)
    later = opened(council.secretary)
    respond(council.members[0], due, 1)
    time_passes(due, seconds=30)
    before = head()
    closed = run(consultations.close_due, utcnow())
    assert [c.id for c in closed] == [due.id]
    assert fresh(later).state == ConsultationState.OPEN
    row = fresh(due)
    assert row.state == ConsultationState.CLOSED and row.closed_by_id is None
    assert row.closed_at == row.closes_at  # closed at its time, not when the job ran
    [(kind, data)] = events_since(before)
    assert kind == "consultation.closed" and data["early"] is False
    assert run(consultations.close_due, utcnow()) == []
    assert events_since(before) == [(kind, data)]


def test_nothing_private_enters_the_record(council):
    consultation = opened(council.secretary, kind="multiple", max_choices=2)
    respond(council.members[0], consultation, 1, 2)
    respond(council.members[0], consultation, 3)
    run(consultations.close, council.secretary, consultation.id)
    rows = [data for kind, data in events_since(0, "consultation.")]
    text = json.dumps(rows)
    for person in council.all_members:
        assert person.email not in text
    responded = [d for k, d in events_since(0, "consultation.responded")]
    assert responded == [{"count": 1}]
    assert council.members[0].public_id in text  # only as a participant, at the close
