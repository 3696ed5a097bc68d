"""Comments in the domain: threads, stances, the deadline, who may do what, edits, deletion,
moderation, the rate limit, hostile text, the record and notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from flask_login import AnonymousUserMixin
from sqlalchemy import event, func, select

from council import plain_text
from council.domain.discussion import comment_rules, comments, discussion
from council.domain.notifications.notifications import settings_for
from council.errors import (
    InvalidState,
    NotAllowed,
    NotFound,
    RateLimited,
    ValidationError,
)
from council.extensions import db
from council.markdown import paragraph_numbers, paragraphs, render
from council.models.comment import Comment, CommentRevision, CommentState, Stance
from council.models.notification import Notification
from council.models.proposal import Follow, FollowTarget, ProposalState
from council.models.user import AccountStatus
from council.unit_of_work import unit_of_work
from tests.factories import add_version, events_of, fresh, make_proposal, post, version_of
from tests.meeting_helpers import run


@pytest.fixture
def people(make_user):
    return [make_user("stakeholder") for _ in range(4)]


def backdate(comment: Comment, minutes: int) -> None:
    """Pretend a comment was written some minutes ago (rate-limit windows)."""
    with unit_of_work() as session:
        row = session.get(Comment, comment.id)
        row.created_at = datetime.now(UTC) - timedelta(minutes=minutes)


# --- posting and threads ---------------------------------------------------------------------


def test_a_comment_is_attached_to_the_current_version_and_recorded(author, proposal, make_user):
    member = make_user("member")
    comment = post(member, proposal, "Serve anche un *numero verde*.", stance="in_favour")
    assert comment.version_id == version_of(proposal).id
    assert (comment.depth, comment.parent_id, comment.root_id) == (0, None, None)
    assert comment.stance == Stance.IN_FAVOUR
    assert fresh(proposal).comment_count == 1

    [recorded] = events_of("comment.")
    assert recorded.kind == "comment.posted"
    assert recorded.subject == f"comment:{comment.id}"
    assert recorded.actor == member.public_id
    data = json.loads(recorded.data)
    assert data == {
        "proposal": proposal.id,
        "version": 1,
        "parent": None,
        "stance": "in_favour",
        "paragraph": None,
        "body_sha256": plain_text.sha256("Serve anche un *numero verde*."),
    }
    assert "numero verde" not in recorded.data  # the record carries the hash, not the text


def test_a_new_version_takes_the_new_comments(author, proposal, people):
    post(people[0], proposal)
    second = add_version(proposal, author, "Testo nuovo.\n\nSecondo paragrafo.")
    later = post(people[1], fresh(proposal))
    assert later.version_id == second.id
    assert json.loads(events_of("comment.")[-1].data)["version"] == 2


def test_replies_nest_with_their_root_and_counters(proposal, people):
    a, b, c = people[:3]
    root = post(a, proposal)
    reply = post(b, proposal, parent=root)
    deeper = post(c, proposal, parent=reply)
    deepest = post(a, proposal, parent=deeper)
    assert (reply.depth, reply.root_id, reply.parent_id) == (1, root.id, root.id)
    assert (deeper.depth, deeper.root_id) == (2, root.id)
    assert (deepest.depth, deepest.root_id, deepest.parent_id) == (3, root.id, deeper.id)
    assert fresh(root).reply_count == 1  # direct replies
    assert fresh(reply).reply_count == 1
    assert fresh(proposal).comment_count == 4

    loaded_root, replies = discussion.thread_of(db.session, fresh(deepest))
    assert loaded_root.id == root.id
    tree = discussion.build_tree(replies)
    assert tree.descendants(root) == 3
    assert [r.id for r in tree.replies(root)] == [reply.id]
    assert tree.descendants(deeper) == 1
    assert json.loads(events_of("comment.")[-1].data)["parent"] == deeper.id


def test_a_reply_must_belong_to_the_same_proposal(author, proposal, people):
    other = make_proposal(author, title="Un'altra proposta")
    elsewhere = post(people[0], other)
    with pytest.raises(NotFound):
        post(people[1], proposal, parent=elsewhere)
    assert fresh(proposal).comment_count == 0


@pytest.mark.parametrize("removal", ["deleted", "hidden"])
def test_no_reply_to_a_removed_comment(proposal, people, secretary, removal):
    parent = post(people[0], proposal)
    if removal == "deleted":
        run(comments.delete_comment, people[0], parent)
    else:
        run(comments.hide_comment, secretary, parent, "Offensivo verso una persona.")
    with pytest.raises(InvalidState):
        post(people[1], proposal, parent=fresh(parent))


def test_pages_of_threads_and_their_replies_in_few_queries(proposal, make_user):
    writers = [make_user("member") for _ in range(12)]
    roots = []
    for i, writer in enumerate(writers):
        roots.append(post(writer, proposal, f"Commento principale {i}"))
    for i, writer in enumerate(writers):
        post(writer, proposal, f"Risposta {i}", parent=roots[(i + 1) % len(roots)])

    db.session.expire_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = discussion.roots_page(db.session, fresh(proposal), 1, newest_first=True)
        replies = discussion.replies_of(db.session, page.items)
        names = [c.author.name for c in page.items + replies]
        organisations = [c.author.organisation.name for c in page.items + replies]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(names) == 24 and all(organisations)
    assert len(statements) <= 10, statements  # not one query per comment or per author
    assert [c.body for c in page.items][:2] == ["Commento principale 11", "Commento principale 10"]
    oldest = discussion.roots_page(db.session, proposal, 1, newest_first=False)
    assert oldest.items[0].body == "Commento principale 0"


def test_top_level_comments_come_fifty_a_page(proposal, make_user):
    writer = make_user("member")
    with unit_of_work() as session:  # rows straight from the model: the rate limit is not
        version = version_of(proposal)  # what this test is about
        for i in range(discussion.PAGE_SIZE + 3):
            session.add(
                Comment(proposal_id=proposal.id, version_id=version.id, author_id=writer.id,
                        body=f"n. {i}", depth=0, reply_count=0)
            )  # fmt: skip
    first = discussion.roots_page(db.session, proposal, 1)
    second = discussion.roots_page(db.session, proposal, 2)
    assert len(first.items) == 50 and first.has_next and not first.has_previous
    assert len(second.items) == 3 and not second.has_next and second.has_previous
    assert first.items[0].body == "n. 52"
    assert discussion.roots_page(db.session, proposal, -5).number == 1


# --- stances -------------------------------------------------------------------------------------


def test_tally_counts_each_author_once_with_the_latest_stance(author, proposal, people, secretary):
    a, b, c, d = people
    post(a, proposal, stance="against")
    post(a, proposal, stance="in_favour")  # a changed their mind: counts once, in favour
    post(b, proposal, stance="against")
    first_c = post(c, proposal, stance="neutral")
    post(c, proposal)  # no stance: c's latest stance is still neutral
    hidden = post(d, proposal, stance="against")
    run(comments.hide_comment, secretary, hidden, "Insulti verso un consigliere.")
    version = version_of(proposal)
    assert discussion.tally(db.session, version.id) == {
        "in_favour": 1, "against": 1, "neutral": 1, "total": 3,
    }  # fmt: skip

    run(comments.delete_comment, c, first_c)
    assert discussion.tally(db.session, version.id)["neutral"] == 0
    second = add_version(proposal, author, "Testo rivisto.")
    assert discussion.tally(db.session, second.id)["total"] == 0  # per version

    by_stance = discussion.stance_page(db.session, proposal, Stance.AGAINST)
    assert {x.author_id for x in by_stance.items} == {a.id, b.id}  # hidden d is not listed


def test_an_unknown_stance_is_refused(proposal, people):
    with pytest.raises(ValidationError) as refused:
        post(people[0], proposal, stance="entusiasta")
    assert refused.value.field == "stance"


# --- the deadline and the states ---------------------------------------------------------------


def test_after_the_deadline_the_consultation_is_closed(author, people):
    late = make_proposal(author, deadline=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(InvalidState) as refused, force_locale("en"):
        post(people[0], late)
    assert refused.value.message == "The consultation is closed."
    assert events_of("comment.") == []


@pytest.mark.parametrize(
    "state",
    [ProposalState.ON_AGENDA, ProposalState.APPROVED, ProposalState.REJECTED,
     ProposalState.WITHDRAWN, ProposalState.REFERRED_BACK],
)  # fmt: skip
def test_only_proposals_in_consultation_take_comments(author, people, state):
    with pytest.raises(InvalidState):
        post(people[0], make_proposal(author, state=state))


def test_edits_and_deletions_stop_when_the_consultation_closes(proposal, people):
    comment = post(people[0], proposal)
    with unit_of_work() as session:
        session.merge(proposal).state = ProposalState.ON_AGENDA
    proposal = fresh(proposal)
    with pytest.raises(InvalidState):
        run(comments.edit_comment, people[0], fresh(comment), "Cambio idea.")
    with pytest.raises(InvalidState):
        run(comments.delete_comment, people[0], fresh(comment))


# --- who may comment -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ((), False),
        (("stakeholder",), True),
        (("member",), True),
        (("secretary",), True),
        (("chair",), True),
        (("admin",), False),  # administers accounts; takes part through another role
    ],
)
def test_who_may_comment(proposal, make_user, roles, allowed):
    person = make_user(*roles)
    if allowed:
        assert post(person, proposal).author_id == person.id
    else:
        with pytest.raises(NotAllowed):
            post(person, proposal)


@pytest.mark.parametrize("status", [AccountStatus.PENDING, AccountStatus.DISABLED])
def test_pending_and_disabled_accounts_act_as_the_public(proposal, make_user, status):
    with pytest.raises(NotAllowed):
        post(make_user("stakeholder", status=status), proposal)


@pytest.mark.parametrize("public", [None, AnonymousUserMixin()])
def test_the_public_reads_but_does_not_comment(proposal, public):
    with pytest.raises(NotAllowed) as refused, force_locale("en"):
        post(public, proposal)
    assert refused.value.message == "Log in to do this."
    assert discussion.readable_proposal(db.session, public, proposal.id).id == proposal.id


def test_a_draft_has_no_public_discussion(author):
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False)
    with pytest.raises(NotFound):
        discussion.readable_proposal(db.session, author, draft.id)
    with pytest.raises(InvalidState):
        post(author, draft)


# --- editing -------------------------------------------------------------------------------------


def test_edits_keep_the_earlier_text_as_history(proposal, people):
    comment = post(people[0], proposal, "Prima stesura.", stance="neutral")
    written = comment.created_at
    run(comments.edit_comment, people[0], comment, "Seconda stesura.", "in_favour")
    run(comments.edit_comment, people[0], fresh(comment), "Terza stesura.", "in_favour")
    comment = fresh(comment)
    assert comment.body == "Terza stesura." and comment.edited_at is not None
    history = discussion.revisions(db.session, comment)
    assert [(r.body, r.stance) for r in history] == [
        ("Seconda stesura.", Stance.IN_FAVOUR),
        ("Prima stesura.", Stance.NEUTRAL),
    ]
    assert history[-1].written_at == written
    edited = events_of("comment.edited")
    assert json.loads(edited[0].data) == {
        "proposal": proposal.id,
        "body_sha256": plain_text.sha256("Seconda stesura."),
        "stance": "in_favour",
    }


def test_the_same_text_again_changes_nothing(proposal, people):
    comment = post(people[0], proposal, "Una volta sola.")
    run(comments.edit_comment, people[0], comment, "  Una volta sola.  ", None)
    assert events_of("comment.edited") == []
    assert db.session.scalar(select(func.count()).select_from(CommentRevision)) == 0


@pytest.mark.parametrize("who", ["another", "secretary"])
def test_only_the_author_edits_or_deletes(proposal, people, secretary, who):
    comment = post(people[0], proposal, "Mio commento.")
    intruder = people[1] if who == "another" else secretary
    with pytest.raises(NotAllowed):
        run(comments.edit_comment, intruder, comment, "Riscritto da altri.")
    with pytest.raises(NotAllowed):
        run(comments.delete_comment, intruder, comment)
    assert fresh(comment).body == "Mio commento."


# --- deleting ------------------------------------------------------------------------------------


def test_deleting_leaves_a_placeholder_and_the_replies(proposal, people):
    comment = post(people[0], proposal, "Testo da togliere.", stance="against")
    run(comments.edit_comment, people[0], comment, "Testo corretto da togliere.", "against")
    reply = post(people[1], proposal, parent=fresh(comment))
    run(comments.delete_comment, people[0], fresh(comment))
    comment = fresh(comment)
    assert comment.state == CommentState.DELETED
    assert comment.body == "" and comment.stance is None
    assert db.session.scalar(select(func.count()).select_from(CommentRevision)) == 0
    assert fresh(reply).state == CommentState.VISIBLE
    assert fresh(proposal).comment_count == 1  # visible comments
    assert json.loads(events_of("comment.deleted")[0].data) == {"proposal": proposal.id}
    with pytest.raises(InvalidState):
        run(comments.delete_comment, people[0], comment)
    with pytest.raises(InvalidState):
        run(comments.edit_comment, people[0], comment, "Resuscitato.")


# --- moderation ----------------------------------------------------------------------------------


def test_the_secretariat_hides_with_a_public_reason_and_can_unhide(proposal, people, secretary):
    comment = post(people[0], proposal, "Parole offensive.")
    run(comments.hide_comment, secretary, comment, "  Linguaggio offensivo   verso una persona. ")
    comment = fresh(comment)
    assert comment.state == CommentState.HIDDEN
    assert comment.hidden_reason == "Linguaggio offensivo verso una persona."
    assert comment.hidden_by_id == secretary.id
    assert fresh(proposal).comment_count == 0
    hidden = events_of("comment.hidden")[0]
    assert hidden.actor == secretary.public_id
    assert json.loads(hidden.data) == {
        "proposal": proposal.id,
        "reason": "Linguaggio offensivo verso una persona.",
    }
    assert discussion.revisions(db.session, comment) == []  # no text of a hidden comment
    with pytest.raises(InvalidState):
        run(comments.hide_comment, secretary, comment, "Ancora una volta.")
    with pytest.raises(InvalidState):  # the author cannot edit around the moderation
        run(comments.edit_comment, people[0], comment, "Parole gentili.")

    run(comments.unhide_comment, secretary, comment)
    comment = fresh(comment)
    assert comment.state == CommentState.VISIBLE and comment.hidden_reason is None
    assert comment.body == "Parole offensive."
    assert fresh(proposal).comment_count == 1
    assert [e.kind for e in events_of("comment.")][-2:] == ["comment.hidden", "comment.unhidden"]
    with pytest.raises(InvalidState):
        run(comments.unhide_comment, secretary, comment)


@pytest.mark.parametrize("roles", [("chair",), ("admin",), ("member",), ("stakeholder",)])
def test_only_the_secretariat_moderates(proposal, people, make_user, roles):
    comment = post(people[0], proposal)
    with pytest.raises(NotAllowed):
        run(comments.hide_comment, make_user(*roles), comment, "Non mi piace affatto.")
    assert fresh(comment).state == CommentState.VISIBLE


def test_moderation_is_not_limited_by_the_deadline(author, people, secretary, proposal):
    comment = post(people[0], proposal)
    with unit_of_work() as session:
        session.merge(proposal).state = ProposalState.APPROVED
    run(comments.hide_comment, secretary, fresh(comment), "Dati personali di terzi.")
    assert fresh(comment).state == CommentState.HIDDEN


@pytest.mark.parametrize("reason", ["", "  ", "Nop", "x" * 501])
def test_a_hiding_needs_a_reason_of_5_to_500_characters(proposal, people, secretary, reason):
    comment = post(people[0], proposal)
    with pytest.raises(ValidationError) as refused:
        run(comments.hide_comment, secretary, comment, reason)
    assert refused.value.field == "reason"
    assert fresh(comment).state == CommentState.VISIBLE


def test_a_deleted_comment_cannot_be_hidden(proposal, people, secretary):
    comment = post(people[0], proposal)
    run(comments.delete_comment, people[0], comment)
    with pytest.raises(InvalidState):
        run(comments.hide_comment, secretary, fresh(comment), "Troppo tardi ormai.")


# --- the rate limit ------------------------------------------------------------------------------


def test_at_most_five_comments_a_minute(proposal, people):
    writer = people[0]
    posted = [post(writer, proposal) for _ in range(5)]
    with pytest.raises(RateLimited) as refused, force_locale("en"):
        post(writer, proposal)
    assert refused.value.status == 429
    assert "at most 5 comments a minute and 60 an hour" in refused.value.message
    post(people[1], proposal)  # the limit is per person
    for comment in posted:
        backdate(comment, 2)
    post(writer, proposal)  # a minute later


def test_at_most_sixty_comments_an_hour(proposal, people):
    writer = people[0]
    version = version_of(proposal)
    with unit_of_work() as session:
        for i in range(60):
            session.add(
                Comment(proposal_id=proposal.id, version_id=version.id, author_id=writer.id,
                        body=f"vecchio {i}", depth=0, reply_count=0,
                        created_at=datetime.now(UTC) - timedelta(minutes=30 + i % 20))
            )  # fmt: skip
    with pytest.raises(RateLimited):
        post(writer, proposal)
    with unit_of_work() as session:
        session.execute(
            Comment.__table__.update()
            .where(Comment.body == "vecchio 0")
            .values(created_at=datetime.now(UTC) - timedelta(hours=2))
        )
    post(writer, proposal)


def test_the_same_comment_twice_is_refused(proposal, people):
    post(people[0], proposal, "Doppio clic.")
    with pytest.raises(InvalidState):
        post(people[0], proposal, "Doppio clic.")
    post(people[1], proposal, "Doppio clic.")  # someone else may say the same
    assert fresh(proposal).comment_count == 2


# --- what people type ----------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * (comment_rules.MAX_BODY + 1)])
def test_empty_or_oversized_text_is_refused(proposal, people, body):
    with pytest.raises(ValidationError) as refused:
        post(people[0], proposal, body=body or " ")
    assert refused.value.field == "body"
    assert events_of("comment.") == []


def test_ten_thousand_characters_are_fine_and_control_characters_go(proposal, people):
    longest = "a" * comment_rules.MAX_BODY
    assert post(people[0], proposal, longest).body == longest
    assert post(people[1], proposal, "bene\x00\x07\r\nmale").body == "bene\nmale"


def test_hostile_markdown_is_stored_as_text_and_rendered_harmless(proposal, people):
    hostile = (
        "<script>alert('x')</script>\n\n"
        "[clicca](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n"
        '<a href="https://example.org" onclick="steal()">link</a> <iframe src="//evil"></iframe>'
        "\n\n<style>body{display:none}</style>"
    )
    comment = post(people[0], proposal, hostile)
    assert comment.body == hostile
    html = str(render(comment.body)).lower()
    for bad in ("<script", "javascript:", "onerror", "onclick", "<iframe", "<style", "<img"):
        assert bad not in html


@pytest.mark.parametrize("paragraph", [-1, 3, 99, True, "1"])
def test_a_paragraph_must_exist_in_the_version(proposal, people, paragraph):
    with pytest.raises(ValidationError) as refused:
        post(people[0], proposal, paragraph=paragraph)
    assert refused.value.field == "paragraph"


def test_a_heading_is_not_a_paragraph_one_comments_on(people, author):
    titled = make_proposal(author, body="## Perché\n\nTesto.\n\n---\n\nAltro testo.")
    blocks = paragraphs(version_of(titled).body)
    assert paragraph_numbers(blocks) == [None, 1, None, 2]
    for heading in (0, 2):
        with pytest.raises(ValidationError) as refused:
            post(people[0], titled, paragraph=heading)
        assert refused.value.field == "paragraph"
    assert post(people[0], titled, paragraph=3).paragraph == 3


def test_paragraph_anchors_are_listed_by_paragraph(proposal, people, secretary):
    first = post(people[0], proposal, paragraph=0)
    post(people[1], proposal, paragraph=2)
    third = post(people[2], proposal, paragraph=2)
    hidden = post(people[3], proposal, paragraph=2)
    run(comments.hide_comment, secretary, hidden, "Fuori tema rispetto al paragrafo.")
    with pytest.raises(ValidationError):
        post(people[1], proposal, parent=first, paragraph=1)  # replies follow their thread
    anchored = discussion.paragraph_comments(db.session, version_of(proposal).id)
    assert sorted(anchored) == [0, 2]
    assert [c.id for c in anchored[2]][-1] == third.id and len(anchored[2]) == 2
    assert json.loads(events_of("comment.posted")[0].data)["paragraph"] == 0


# --- notifications -------------------------------------------------------------------------------


def test_replies_and_followers_are_notified(author, proposal, people):
    a, b, c, d = people
    with unit_of_work() as session:
        for person in (c, a):
            session.add(
                Follow(user_id=person.id, target=FollowTarget.PROPOSAL, target_id=proposal.id)
            )
        settings_for(session, c.id).new_comments = True
        settings_for(session, a.id).new_comments = True
    root = post(a, proposal)
    reply = post(b, proposal, parent=root)
    notes = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    kinds = sorted((n.user_id, n.kind) for n in notes)
    # a: the follower's own comment is not news; then the reply (not twice as a follower)
    assert kinds == sorted([(c.id, "new_comment"), (a.id, "reply"), (c.id, "new_comment")])
    to_a = next(n for n in notes if n.user_id == a.id)
    assert to_a.url == f"/proposals/{proposal.id}/comments/{root.id}#c-{reply.id}"
    params = json.loads(to_a.params)
    assert params["comment"] == reply.id and params["title"] == proposal.title
    assert d.id not in {n.user_id for n in notes}
