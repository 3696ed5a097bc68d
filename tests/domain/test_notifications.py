"""Notifications: who is told what, settings honoured, marking read, follows, the messages."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from council import events
from council.domain.community import topics
from council.domain.notifications import follows, notifications
from council.domain.notifications.notification_messages import actor_names, message
from council.domain.permissions import SYSTEM
from council.errors import NotAllowed, NotFound, ValidationError
from council.extensions import db
from council.models.notification import EmailFrequency, Notification
from council.models.proposal import FollowTarget, ProposalState
from council.models.user import AccountStatus
from council.unit_of_work import unit_of_work
from tests.factories import PLAIN_BODY, make_proposal, notes_of


@pytest.fixture
def people(make_user):
    return [make_user("stakeholder") for _ in range(3)]


@pytest.fixture
def heard():
    """Events published after commit, as a listener (realtime, the mailer) hears them."""
    seen: list[events.Event] = []
    events.subscribe(seen.append)
    yield seen
    events.unsubscribe(seen.append)


def tell(recipients, kind="reply", actor=SYSTEM, **params) -> list[Notification]:
    with unit_of_work() as session:
        return notifications.notify(
            session, recipients, kind=kind, subject="proposal:1", url="/proposals/1",
            params={"title": "Casa per tutti", **params}, actor=actor,
        )  # fmt: skip


def set_flags(user, email=EmailFrequency.DAILY, **flags):
    with unit_of_work() as session:
        notifications.update_settings(session, user, email=email, **flags)


def test_everyone_but_the_actor_is_told_once(people, heard):
    actor, *others = people
    created = tell([*others, others[0], actor], actor=actor)
    assert sorted(n.user_id for n in created) == sorted(u.id for u in others)
    [event] = [e for e in heard if e.kind == notifications.CREATED]
    assert event.data == {
        "users": sorted(u.public_id for u in others),
        "notifications": [n.id for n in created],
    }


def test_settings_decide_which_kinds_arrive(people):
    reader = people[0]
    set_flags(reader, replies=False, new_comments=True)
    assert tell([reader], kind="reply") == []
    assert len(tell([reader], kind="new_comment")) == 1
    assert len(tell([reader], kind="amendment_proposed")) == 1  # always: asked something
    assert [n.kind for n in notes_of(reader)] == ["new_comment", "amendment_proposed"]


def test_new_comments_are_off_by_default(people):
    assert tell([people[0]], kind="new_comment") == []
    assert len(tell([people[0]], kind="new_version")) == 1


def test_inactive_accounts_are_not_told(make_user):
    pending = make_user("stakeholder", status=AccountStatus.PENDING)
    assert tell([pending]) == []


def test_nothing_is_announced_when_the_transaction_fails(people, heard):
    with pytest.raises(RuntimeError), unit_of_work() as session:
        notifications.notify(
            session, people, kind="reply", subject="proposal:1", url="/", actor=SYSTEM
        )
        raise RuntimeError
    assert heard == [] and db.session.query(Notification).count() == 0


def test_unknown_kinds_are_a_programming_error(people):
    with pytest.raises(KeyError):
        tell(people, kind="gossip")


def test_reading_and_marking_read(people, heard):
    reader, other = people[0], people[1]
    first, second = tell([reader])[0], tell([reader])[0]
    tell([other])
    assert notifications.unread_count(db.session, reader.id) == 2
    rows, more = notifications.page(db.session, reader)
    assert [n.id for n in rows] == [second.id, first.id] and not more
    with unit_of_work() as session:
        notifications.mark_read(session, reader, first.id)
        notifications.mark_read(session, reader, first.id)  # again: harmless
    assert notifications.unread_count(db.session, reader.id) == 1
    assert [e.data for e in heard if e.kind == notifications.READ] == [
        {"users": [reader.public_id]}
    ]
    with unit_of_work() as session:
        assert notifications.mark_all_read(session, reader) == 1
        assert notifications.mark_all_read(session, reader) == 0
    assert notifications.unread_counts(db.session, [reader.public_id, other.public_id]) == {
        reader.public_id: 0,
        other.public_id: 1,
    }


def test_someone_elses_notification_does_not_exist(people):
    note = tell([people[1]])[0]
    with pytest.raises(NotFound), unit_of_work() as session:
        notifications.mark_read(session, people[0], note.id)
    with pytest.raises(NotAllowed):
        notifications.page(db.session, AnonymousUserMixin())
    assert notifications.unread_count(db.session, people[1].id) == 1


def test_pages_of_thirty(people):
    reader = people[0]
    for _ in range(31):
        tell([reader])
    first, more = notifications.page(db.session, reader, 1)
    second, after = notifications.page(db.session, reader, 2)
    assert (len(first), more, len(second), after) == (30, True, 1, False)


def test_bad_settings_are_refused(people):
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        notifications.update_settings(session, people[0], email="hourly", replies=False)
    assert caught.value.field == "email"
    assert notifications.settings_for(db.session, people[0].id).replies is True
    with pytest.raises(NotAllowed), unit_of_work() as session:
        notifications.update_settings(session, AnonymousUserMixin(), email="daily")


def test_following_zones_and_topics(people, zone):
    reader = people[0]
    with unit_of_work() as session:
        home = topics.save_topic(session, SYSTEM, None, name="Casa")
        elderly = topics.save_topic(session, SYSTEM, None, name="Anziani")
    with unit_of_work() as session:
        follows.set_followed(session, reader, FollowTarget.ZONE, [zone.id], field="zones")
        follows.set_followed(session, reader, "topic", [home.id, elderly.id], field="topics")
    with unit_of_work() as session:
        added, removed = follows.set_followed(
            session, reader, FollowTarget.TOPIC, [elderly.id], field="topics"
        )
    assert (added, removed) == (set(), {home.id})
    assert follows.followed_ids(db.session, reader, "zone") == {zone.id}
    assert follows.followed_ids(db.session, reader, "topic") == {elderly.id}
    assert [u.id for u in notifications.followers(db.session, FollowTarget.ZONE, zone.id)] == [
        reader.id
    ]
    with pytest.raises(ValidationError) as caught, unit_of_work() as session:
        follows.set_followed(session, reader, "zone", [zone.id, 99999], field="zones")
    assert caught.value.field == "zones"
    assert follows.followed_ids(db.session, reader, "zone") == {zone.id}


def test_following_a_proposal_one_may_see(people):
    author, reader = people[0], people[1]
    published = make_proposal(author, body=PLAIN_BODY)
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False, body=PLAIN_BODY)
    with unit_of_work() as session:
        follows.follow(session, reader, "proposal", published.id)
        follows.follow(session, reader, "proposal", published.id)  # twice is once
    assert follows.is_following(db.session, reader, "proposal", published.id)
    for target, target_id in (("proposal", draft.id), ("zone", 99999), ("nothing", 1)):
        with pytest.raises(NotFound), unit_of_work() as session:
            follows.follow(session, reader, target, target_id)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        follows.follow(session, AnonymousUserMixin(), "proposal", published.id)
    with unit_of_work() as session:
        assert follows.unfollow(session, reader, "proposal", published.id)
    assert not follows.is_following(db.session, reader, "proposal", published.id)


MESSAGES = [
    ("reply", {}, "Persona 1 replied to your comment on “Casa per tutti”."),
    ("new_version", {"number": 3}, "“Casa per tutti” has a new version (3)."),
    ("state_changed", {"state": "on_agenda"}, "“Casa per tutti” is now on the agenda."),
    ("state_changed", {"state": "bogus"}, "“Casa per tutti” changed state."),
    ("new_comment", {}, "Persona 1 commented on “Casa per tutti”."),
    ("new_proposal", {}, "New proposal: “Casa per tutti”."),
    ("cosign_invited", {}, "Persona 1 invites your organisation to co-sign “Casa per tutti”."),
    ("cosign_answered", {"organisation": "ACLI", "answer": "declined"}, "ACLI declined to"),
    ("cosign_answered", {"organisation": "ACLI", "answer": "accepted"}, "ACLI agreed to"),
    ("amendment_proposed", {"number": 2}, "Persona 1 proposed amendment no. 2 to"),
    ("amendment_decided", {"number": 2, "outcome": "accepted"}, "was accepted by the author"),
    ("amendment_decided", {"number": 2, "outcome": "to_vote"}, "put to the council's vote"),
    ("amendment_decided", {"number": 2, "outcome": "approved"}, "approved by the council"),
    ("amendment_decided", {"number": 2, "outcome": "rejected"}, "rejected by the council"),
]


@pytest.mark.parametrize(("kind", "params", "expected"), MESSAGES)
def test_every_kind_has_its_message(make_user, kind, params, expected):
    actor, reader = make_user("member", name="Persona 1"), make_user("stakeholder")
    set_flags(reader, new_comments=True)
    [note] = tell([reader], kind=kind, actor=actor, **params)
    with force_locale("en"):
        text = message(note, actor_names(db.session, [note]))
    assert expected in text


def test_the_current_name_is_shown_and_garbage_params_are_harmless(make_user):
    actor, reader = make_user("member", name="Prima"), make_user("stakeholder")
    [note] = tell([reader], kind="reply", actor=actor)
    with unit_of_work() as session:
        session.merge(actor).name = "Dopo"
        broken = Notification(
            user_id=reader.id, kind="amendment_decided", subject="x", url="/", params="[1, 2"
        )
        session.add(broken)
    with force_locale("en"):
        assert "Dopo replied" in message(note, actor_names(db.session, [note]))
        assert "amendment no. ?" in message(broken, actor_names(db.session, [broken]))
