"""The home page's rules (council/domain/home.py): what the public sees, what needs a person,
what never shows to someone else, the kept public page, and a bounded number of queries."""

from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from council.domain.community import organisations
from council.domain.discussion import comments
from council.domain.meetings import attendance, live_session
from council.domain.notifications import follows
from council.domain.permissions import SYSTEM
from council.domain.proposals import proposal_organisations, proposals
from council.domain.voting import polls, proxies
from council.extensions import db
from council.models.comment import Comment
from council.models.meeting import AgendaItem, MeetingState
from council.models.proposal import FollowTarget
from council.unit_of_work import unit_of_work
from tests.archive_helpers import archived
from tests.consultation_helpers import opened, respond, time_passes
from tests.factories import add_version, make_proposal
from tests.meeting_helpers import convened_meeting, new_meeting, run, running_meeting
from tests.statements import statements_of

FRESH = 0.2


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def block(page: str, name: str) -> str:
    """The markup of one block (data-home="name") up to the next block."""
    start = page.index(f'data-home="{name}"')
    end = page.find("data-home=", start + 10)
    return page[start : end if end != -1 else len(page)]


@pytest.fixture
def cache(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 10.0)
    monkeypatch.setitem(app.config, "PAGE_CACHE_FRESH_SECONDS", FRESH)
    kept = app.extensions["consiglio_page_cache"]
    kept.clear()
    yield kept
    kept.clear()


@pytest.fixture
def sole(zone):
    with unit_of_work() as session:
        return organisations.save_organisation(
            session, SYSTEM, None, name="Associazione Sole", kind="Associazione", zone=zone
        )


@pytest.fixture
def other_org(make_user, sole):
    """An author from another organisation, who invites the council's organisation."""
    return make_user("stakeholder", name="Anna Sole", organisation=sole)


def comment(person, proposal, body: str, parent=None) -> Comment:
    with unit_of_work() as s:
        above = s.get(Comment, parent.id) if parent else None
        return comments.post_comment(s, s.merge(person), s.merge(proposal), body, parent=above)


def schedule(secretary, proposal) -> None:
    with unit_of_work() as s:
        proposals.schedule(s, s.merge(secretary), s.merge(proposal))


def quorum_without_member2(council):
    """Four of the six members checked in (the quorum), "member2" not among them."""
    return [council.chair, council.secretary, council.members[0], council.members[2]]


def open_poll(council, meeting, question="Approvare la proposta?"):
    first = db.session.scalar(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)
    )
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=first,
               kind="named", rule="simple", question=question)  # fmt: skip
    run(polls.open_poll, council.chair, poll.id)
    return poll


# --- the public ----------------------------------------------------------------------------


def test_the_public_reads_the_next_meeting_the_latest_decisions_and_open_consultations(
    as_, council
):
    later = convened_meeting(council, title="Seduta di gennaio", starts_in=timedelta(days=20))
    soon = convened_meeting(council, title="Seduta di dicembre", starts_in=timedelta(days=3))
    new_meeting(council.secretary, title="Bozza non convocata", starts_in=timedelta(days=1))
    for n in range(1, 5):
        archived(council.admin, title=f"Deliberato numero {n}", approved=n != 4)
    members = opened(council.secretary, title="Priorità per i consiglieri")
    closed = opened(council.secretary, title="Consultazione scaduta", audience="stakeholders")
    time_passes(closed)
    page = text(as_("public").get("/"))

    nxt = block(page, "next-meeting")
    assert "Prossima seduta" in nxt and "Seduta di dicembre" in nxt
    assert f'href="/meetings/{soon.id}#agenda-title"' in nxt and "Leggi l'ordine del giorno" in nxt
    assert "Sala dei Giudici" in nxt and f"/meetings/{soon.id}/live" not in nxt  # days away
    assert "Seduta di gennaio" not in page and "Bozza non convocata" not in page
    assert later.id != soon.id

    decisions = block(page, "decisions")
    assert "Deliberato numero 4" in decisions and "respinta" in decisions
    assert "Deliberato numero 2" in decisions and "Deliberato numero 1" not in decisions  # 3
    assert "Deliberazione 2026/004" in decisions and 'href="/decisions"' in decisions

    consultations = block(page, "consultations")
    assert "Priorità per i consiglieri" in consultations and "Si chiude " in consultations
    assert "Consiglieri" in consultations and "Consultazione scaduta" not in consultations
    assert f'href="/consultations/{members.id}"' in consultations

    assert 'data-home="verify"' in page and 'href="/record"' in page  # one link away
    assert "Testa del registro" not in page  # not the headline any more
    for private in ("meetings", "my-consultations", "invitations", "replies", "changes"):
        assert f'data-home="{private}"' not in page


def test_the_public_home_says_what_to_expect_when_there_is_nothing(as_, council):
    page = text(as_("public").get("/"))
    assert "Per ora nessuna seduta è convocata." in block(page, "next-meeting")
    assert "Ancora nessuna deliberazione." in block(page, "decisions")
    assert "non ci sono sondaggi aperti" in block(page, "consultations")
    assert 'data-home="live"' not in page


def test_a_session_opening_shows_its_banner_on_the_kept_public_page(as_, council, cache):
    meeting = convened_meeting(council, title="Seduta di stasera")
    public = as_("public")
    assert 'data-home="live"' not in text(public.get("/"))
    assert 'data-home="live"' not in text(public.get("/"))
    assert (cache.hits, cache.misses) == (1, 1)  # the page is kept
    run(live_session.open_session, council.chair, meeting.id)  # a record event
    time.sleep(FRESH + 0.05)
    banner = block(text(public.get("/")), "live")
    assert "Seduta in corso: Seduta di stasera" in banner
    assert f'href="/meetings/{meeting.id}/live"' in banner and "Segui in diretta" in banner
    assert cache.misses == 2  # rendered again because the record moved
    run(live_session.close, council.chair, meeting.id)
    time.sleep(FRESH + 0.05)
    assert 'data-home="live"' not in text(public.get("/"))


def test_what_is_private_never_reaches_the_kept_page_or_another_person(as_, council, cache):
    meeting = running_meeting(council, present=quorum_without_member2(council))
    open_poll(council, meeting, question="Approvare il bilancio sociale?")
    member = text(as_("member").get("/"))
    assert "Ciao, Consigliere 1" in member and "Approvare il bilancio sociale?" in member
    assert cache.misses == 0 and cache.hits == 0  # a logged-in reader never meets the cache
    public = text(as_("public").get("/"))
    again = text(as_("public").get("/"))
    assert cache.misses == 1 and cache.hits == 1
    for page in (public, again):
        assert "Consigliere 1" not in page and "Approvare il bilancio sociale?" not in page
        assert 'data-home="vote"' not in page and "Ciao," not in page
    other = text(as_("member2").get("/"))  # not present: the vote is not theirs to cast here
    assert "Ciao, Consigliere 2" in other and 'data-home="vote"' not in other


# --- a member ------------------------------------------------------------------------------


def test_an_open_vote_shows_only_to_members_present_and_leads_to_now(as_, council):
    me, absent = council.members[0], council.members[1]
    meeting = running_meeting(council, present=quorum_without_member2(council))
    assert 'data-home="vote"' not in text(as_("member").get("/"))  # no poll open yet
    poll = open_poll(council, meeting)
    vote = block(text(as_("member").get("/")), "vote")
    assert "C'è una votazione aperta" in vote and "Approvare la proposta?" in vote
    assert f'href="/meetings/{meeting.id}#now"' in vote and "Vota ora" in vote
    assert 'data-home="live"' not in text(as_("member").get("/"))  # the vote leads there
    absent_page = text(as_("member2").get("/"))
    assert 'data-home="vote"' not in absent_page  # not present
    assert f'href="/meetings/{meeting.id}/live"' in block(absent_page, "live")
    assert 'data-home="vote"' not in text(as_("stakeholder").get("/"))
    run(polls.cast_ballot, me, poll.id, "in_favour", "home-1")
    vote = block(text(as_("member").get("/")), "vote")
    assert "Hai votato" in vote and "Vedi il tuo voto" in vote and "Vota ora" not in vote
    run(attendance.check_in, absent, meeting.id)
    assert "Vota ora" in block(text(as_("member2").get("/")), "vote")  # present now
    run(polls.close_poll, council.chair, poll.id)
    assert 'data-home="vote"' not in text(as_("member").get("/"))  # closed


def test_convened_meetings_lead_to_attendance_and_proxy(as_, council):
    me, holder = council.members[0], council.members[1]
    soon = convened_meeting(council, title="Seduta tra mezz'ora", starts_in=timedelta(minutes=30))
    far = convened_meeting(council, title="Seduta lontana", starts_in=timedelta(days=5))
    mine = block(text(as_("member").get("/")), "meetings")
    assert "Seduta tra mezz'ora" in mine and "Seduta lontana" in mine
    assert f'href="/meetings/{soon.id}#now"' in mine and "Registra la tua presenza" in mine
    assert f'href="/meetings/{soon.id}#mine-title"' in mine
    assert f'href="/meetings/{far.id}#now"' not in mine  # check-in opens an hour before
    assert f'href="/meetings/{far.id}#mine-title"' in mine and "Delega il voto" in mine
    assert "La presenza si segna da un'ora prima dell'inizio" in mine
    run(attendance.check_in, holder, soon.id)
    run(proxies.grant, me, soon.id, holder.public_id)
    mine = block(text(as_("member").get("/")), "meetings")
    assert "Hai delegato il tuo voto a Consigliere 2." in mine
    assert "Sei presente" in block(text(as_("member2").get("/")), "meetings")
    assert 'data-home="meetings"' not in text(as_("stakeholder").get("/"))
    assert 'data-home="next-meeting"' in text(as_("stakeholder").get("/"))


def test_consultations_of_my_audience_still_open_unanswered_first(as_, council):
    answered = opened(council.secretary, title="Già risposta")
    waiting = opened(council.secretary, title="Da rispondere",
                     closes_at=answered.closes_at + timedelta(days=1))  # fmt: skip
    waiting_id = waiting.id
    opened(council.secretary, title="Per i portatori", audience="stakeholders")
    gone = opened(council.secretary, title="Chiusa per tempo")
    time_passes(gone)
    respond(council.members[0], answered, 1)
    mine = block(text(as_("member").get("/")), "my-consultations")
    assert "Chiusa per tempo" not in mine and "Per i portatori" not in mine
    assert mine.index("Da rispondere") < mine.index("Già risposta")
    assert "In attesa della tua risposta" in mine and "Hai risposto" in mine
    other = block(text(as_("member2").get("/")), "my-consultations")  # my answer is mine
    assert "Hai risposto" not in other and f"/consultations/{waiting_id}" in other
    theirs = block(text(as_("stakeholder").get("/")), "my-consultations")
    assert "Per i portatori" in theirs and "Da rispondere" not in theirs


def test_a_member_with_nothing_to_do_is_told_what_comes_next(as_, council):
    page = text(as_("member").get("/"))
    assert "Quando la segreteria ne convoca una" in block(page, "meetings")
    assert "Quando se ne apre uno, ricevi una notifica." in block(page, "my-consultations")
    assert "Nessuno ha ancora risposto ai tuoi commenti." in block(page, "replies")
    assert "Segui una proposta" in block(page, "changes")
    assert "Nessun invito a co-firmare" in block(page, "invitations")
    assert 'data-home="vote"' not in page


# --- a stakeholder -------------------------------------------------------------------------


def test_invitations_to_co_sign_reach_my_organisation_until_answered(
    as_, council, other_org, sole, make_user
):
    proposal = make_proposal(other_org, title="Orti sociali in ogni zona")
    organisation = council.stakeholder.organisation_id
    with unit_of_work() as session:
        row = session.get(type(council.stakeholder), council.stakeholder.id).organisation
        proposal_organisations.invite_cosigners(
            session, session.merge(other_org), session.merge(proposal), [row]
        )
    invited = block(text(as_("stakeholder").get("/")), "invitations")
    assert "Orti sociali in ogni zona" in invited
    assert f'href="/proposals/{proposal.id}#invitation-title"' in invited
    assert organisation is not None
    outsider = make_user("stakeholder", name="Altra realtà", organisation=sole)
    assert "Orti sociali" not in block(text(as_(outsider).get("/")), "invitations")
    with unit_of_work() as session:
        proposal_organisations.answer_cosign(
            session, session.merge(council.stakeholder), session.merge(proposal), accept=True
        )
    assert "Orti sociali" not in block(text(as_("stakeholder").get("/")), "invitations")


def test_replies_to_my_comments_and_news_on_what_i_follow(as_, council, other_org):
    me = council.stakeholder
    discussed = make_proposal(other_org, title="Punti di ascolto")
    mine = comment(me, discussed, "Servono operatori la sera.")
    comment(council.members[0], discussed, "Concordo, anche il sabato.", parent=mine)
    comment(me, discussed, "Grazie, allora anche il sabato.", parent=mine)  # my own: not news
    page = text(as_("stakeholder").get("/"))
    replies = block(page, "replies")
    assert "Consigliere 1 ha risposto su “Punti di ascolto”" in replies
    assert f"/proposals/{discussed.id}/comments/{mine.id}#c-" in replies
    assert replies.count("ha risposto") == 1
    assert "Consigliere 1 ha risposto" not in block(text(as_("member2").get("/")), "replies")

    followed = make_proposal(other_org, title="Casa per i giovani")
    unfollowed = make_proposal(other_org, title="Trasporto anziani")
    run(follows.follow, me, FollowTarget.PROPOSAL, followed.id)
    assert "Casa per i giovani" not in block(text(as_("stakeholder").get("/")), "changes")
    add_version(followed, other_org, "Un testo nuovo per la casa dei giovani.")
    add_version(unfollowed, other_org, "Un testo nuovo per il trasporto.")
    changes = block(text(as_("stakeholder").get("/")), "changes")
    assert "Casa per i giovani" in changes and "Nuova versione (2)" in changes
    assert "Trasporto anziani" not in changes
    schedule(council.secretary, followed)
    changes = block(text(as_("stakeholder").get("/")), "changes")
    assert "Ora: all'ordine del giorno" in changes and "Nuova versione" not in changes
    assert "Casa per i giovani" not in block(text(as_("member2").get("/")), "changes")


# --- cost ----------------------------------------------------------------------------------


def statements(web, path="/") -> int:
    """The statements this request runs (not those of the live room's threads meanwhile)."""
    return len(statements_of(lambda: text(web.get(path))))


def test_the_home_costs_the_same_few_queries_whatever_it_shows(as_, council, other_org):
    me = council.members[0]
    member, public = as_("member"), as_("public")
    member.get("/")  # warm: the login's own first work
    empty_member, empty_public = statements(member), statements(public)

    meeting = running_meeting(council, present=quorum_without_member2(council))
    open_poll(council, meeting)
    for n in range(4):
        convened_meeting(council, title=f"Seduta {n}", starts_in=timedelta(days=n + 1))
        opened(council.secretary, title=f"Consultazione {n}")
        archived(council.admin, title=f"Deliberato {n}")
        proposal = make_proposal(other_org, title=f"Proposta {n}")
        run(follows.follow, me, FollowTarget.PROPOSAL, proposal.id)
        add_version(proposal, other_org, f"Testo {n} cambiato.")
        mine = comment(me, proposal, f"Commento numero {n}.")
        comment(council.chair, proposal, f"Risposta numero {n}.", parent=mine)
    page = text(member.get("/"))
    assert page.count("Nuova versione") == 4 and page.count("ha risposto su") == 4
    full_member, full_public = statements(member), statements(public)
    assert full_public == empty_public <= 12
    assert full_member <= empty_member + 4 <= 30  # a block's query once it has rows, not per row
    print(f"home queries: public {full_public}, member {empty_member} empty / {full_member} full")


def test_a_closed_meeting_is_no_next_meeting(as_, council):
    meeting = running_meeting(council, title="Seduta già tenuta")
    run(live_session.close, council.chair, meeting.id)
    with unit_of_work() as session:
        assert session.get(type(meeting), meeting.id).state == MeetingState.CLOSED
    page = text(as_("public").get("/"))
    assert "Seduta già tenuta" not in page and 'data-home="live"' not in page
