"""Notifications about something no longer actionable say what is true now on the notifications
page (notification_messages.settled): a consultation closed, a meeting over, an invitation to
co-sign answered or too late, an amendment decided or withdrawn."""

from __future__ import annotations

import html

import pytest

from council.domain.community import organisations
from council.domain.meetings import live_session
from council.domain.permissions import SYSTEM
from council.domain.proposals import amendments, proposal_organisations
from council.domain.proposals import proposals as proposal_ops
from council.models.user import User
from council.unit_of_work import unit_of_work
from tests.consultation_helpers import opened, time_passes
from tests.factories import BODY, make_proposal
from tests.meeting_helpers import convened_meeting, run, running_meeting
from tests.statements import statements_of

SETTLED = "Nessuna azione richiesta"


def page(web) -> str:
    response = web.get("/notifications")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def sole(make_user, zone):
    with unit_of_work() as session:
        org = organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Sole", kind="Associazione", zone=zone
        )
    return make_user("stakeholder", name="Anna Sole", organisation=org)


def invite(author, proposal, organisation_of: User) -> None:
    with unit_of_work() as s:
        org = s.get(User, organisation_of.id).organisation
        proposal_organisations.invite_cosigners(s, s.merge(author), s.merge(proposal), [org])


def test_a_closed_consultation_no_longer_invites_an_answer(as_, council):
    consultation = opened(council.secretary, title="Priorità 2027")
    before = page(as_("member"))
    assert "È aperto un sondaggio per te: “Priorità 2027”." in before
    assert SETTLED not in before
    time_passes(consultation)  # closed by its time, before the scheduler writes it
    after = page(as_("member"))
    assert "Il sondaggio “Priorità 2027” è chiuso: puoi leggerne i risultati." in after
    assert "È aperto un sondaggio per te" not in after and SETTLED in after


def test_a_meeting_over_is_said_so(as_, council):
    meeting = running_meeting(council, title="Seduta di novembre")
    assert "Hai ricevuto la convocazione alla seduta “Seduta di novembre”." in page(as_("member"))
    run(live_session.close, council.chair, meeting.id)
    after = page(as_("member"))
    assert "La seduta “Seduta di novembre” si è conclusa." in after and SETTLED in after
    convened_meeting(council, title="Seduta di dicembre")  # still to come: still a convocation
    assert "Hai ricevuto la convocazione alla seduta “Seduta di dicembre”." in page(as_("member"))


@pytest.mark.parametrize("accept", [True, False])
def test_an_invitation_answered_by_a_colleague_says_how(as_, council, sole, make_user, accept):
    colleague = make_user("stakeholder", name="Collega del Ponte")
    proposal = make_proposal(sole, title="Orti sociali")
    invite(sole, proposal, council.stakeholder)
    assert "invita la tua organizzazione a co-firmare “Orti sociali”" in page(as_("stakeholder"))
    with unit_of_work() as s:
        proposal_organisations.answer_cosign(
            s, s.merge(colleague), s.merge(proposal), accept=accept
        )
    after = page(as_("stakeholder"))
    expected = "ha già co-firmato" if accept else "ha già rifiutato di co-firmare"
    assert f"La tua organizzazione {expected} “Orti sociali”." in after and SETTLED in after
    assert "invita la tua organizzazione" not in after


def test_an_invitation_on_a_withdrawn_proposal_is_too_late(as_, council, sole):
    proposal = make_proposal(sole, title="Orti sociali")
    invite(sole, proposal, council.stakeholder)
    with unit_of_work() as s:
        proposal_ops.withdraw(s, s.merge(sole), s.merge(proposal))
    after = page(as_("stakeholder"))
    assert "“Orti sociali” non si può più co-firmare." in after and SETTLED in after


def test_an_amendment_withdrawn_asks_its_author_nothing_more(as_, council):
    author = council.stakeholder
    proposal = make_proposal(author, title="Punti di ascolto")
    with unit_of_work() as s:
        amendment = amendments.propose(
            s, s.merge(council.members[0]), s.merge(proposal),
            body=f"{BODY}\n\nAnche il sabato.", reason="Servono più ore di apertura.",
        )  # fmt: skip
        number = amendment.number
    assert f"emendamento n. {number}" in page(as_("stakeholder")).lower()
    assert SETTLED not in page(as_("stakeholder"))
    with unit_of_work() as s:
        mine = s.merge(amendment)
        amendments.withdraw(s, s.merge(council.members[0]), mine)
    after = page(as_("stakeholder"))
    assert f"L'emendamento n. {number} a “Punti di ascolto” è stato ritirato." in after
    assert SETTLED in after


def test_the_page_costs_the_same_whatever_the_number_settled(as_, council):
    def statements() -> int:
        return len(statements_of(lambda: page(reader)))

    reader = as_("member")
    first = opened(council.secretary, title="Prima")
    time_passes(first)
    page(reader)
    one = statements()
    for n in range(5):
        time_passes(opened(council.secretary, title=f"Consultazione {n}"))
    assert page(reader).count(SETTLED) == 6
    assert statements() == one
