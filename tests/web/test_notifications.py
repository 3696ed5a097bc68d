"""The bell over HTTP: the count in the header, the list and its pages, marking read, opening,
the preferences form with follows, the digest command; and forged or wrong requests."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from council.domain.community import topics
from council.domain.notifications import notifications
from council.domain.permissions import SYSTEM
from council.extensions import db
from council.models.notification import EmailFrequency, Notification, NotificationSettings
from council.models.proposal import Follow, FollowTarget
from council.unit_of_work import unit_of_work
from tests.notification_helpers import read_outbox

BELL = re.compile(r'data-bell-count aria-hidden="true"\s*(hidden)?>(\d+)</span>')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def tell(user, url="/proposals/1", title="Casa per tutti", kind="new_version", n=1):
    with unit_of_work() as session:
        for _ in range(n):
            notifications.notify(
                session, [user], kind=kind, subject="proposal:1", url=url,
                params={"title": title, "number": 2}, actor=SYSTEM,
            )  # fmt: skip


def unread(user) -> int:
    db.session.expire_all()
    return notifications.unread_count(db.session, user.id)


def bell(response) -> tuple[bool, int]:
    match = BELL.search(response.get_data(as_text=True))
    assert match, "no bell on the page"
    return match.group(1) is None, int(match.group(2))


def english(web, path="/notifications"):
    web.post("/language", {"locale": "en", "next": path}, token_from=path)
    return web


@pytest.fixture
def reader(make_user):
    return make_user("stakeholder")


@pytest.fixture
def browser(web, reader):
    web.login(reader.email)
    return web


def test_the_bell_counts_unread_notifications(browser, reader, client):
    assert bell(browser.get("/")) == (False, 0)
    tell(reader, n=3)
    page = browser.get("/")
    assert bell(page) == (True, 3)
    assert "3 unread" in text(english(browser, "/").get("/"))
    assert "data-bell" not in client.get("/").get_data(as_text=True)  # the public has none


def test_the_list_newest_first_in_pages_of_thirty(browser, reader):
    tell(reader, title="Vecchia")
    tell(reader, title="Nuova", n=30)
    first = text(english(browser).get("/notifications"))
    assert first.count("“Nuova” has a new version (2).") == 30
    assert "Vecchia" not in first and 'rel="next"' in first
    second = text(browser.get("/notifications?page=2"))
    assert "“Vecchia” has a new version" in second and 'rel="prev"' in second
    assert browser.get("/notifications?page=abc").status_code == 200
    assert browser.get("/notifications?page=99999999999").status_code == 200


def test_mark_one_then_all_as_read(browser, reader):
    tell(reader, n=3)
    first = db.session.scalars(select(Notification.id).order_by(Notification.id)).first()
    page = browser.get("/notifications")
    assert page.get_data(as_text=True).count("is-unread") == 3
    back = {"back": "/notifications?page=1"}
    response = browser.post(f"/notifications/{first}/read", back, token_from="/notifications")
    assert response.status_code == 302 and response.location == "/notifications?page=1"
    assert unread(reader) == 2
    response = browser.post("/notifications/read-all", {"back": "https://evil.example/"})
    assert response.status_code == 302 and response.location == "/notifications"
    assert unread(reader) == 0
    assert "is-unread" not in browser.get("/notifications").get_data(as_text=True)


def test_opening_marks_read_and_follows_only_local_links(browser, reader):
    tell(reader, url="/proposals/7#comment-3")
    tell(reader, url="//evil.example/phish")
    local, evil = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    response = browser.post(f"/notifications/{local.id}/open", token_from="/notifications")
    assert response.status_code == 302 and response.location == "/proposals/7#comment-3"
    response = browser.post(f"/notifications/{evil.id}/open")
    assert response.status_code == 302 and response.location == "/notifications"
    assert unread(reader) == 0


def test_forged_foreign_or_anonymous_requests_change_nothing(browser, reader, make_user, client):
    other = make_user("member")
    tell(other)
    tell(reader)
    theirs = db.session.scalar(select(Notification.id).where(Notification.user_id == other.id))
    mine = db.session.scalar(select(Notification.id).where(Notification.user_id == reader.id))
    assert browser.post(f"/notifications/{theirs}/read", token_from="/").status_code == 404
    assert browser.post(f"/notifications/{theirs}/open").status_code == 404
    assert browser.post("/notifications/99999/read").status_code == 404
    assert browser.client.post(f"/notifications/{mine}/read").status_code == 400  # no CSRF
    assert browser.post(f"/notifications/{mine}/read", {"csrf_token": "forged"}).status_code == 400
    assert browser.get(f"/notifications/{mine}/read").status_code == 405
    assert client.get("/notifications").status_code == 302  # to the login page
    assert "/login" in client.get("/notifications/settings").location
    assert (unread(reader), unread(other)) == (1, 1)


def test_settings_show_the_defaults_and_save(browser, reader, zone):
    with unit_of_work() as session:
        home = topics.save_topic(session, SYSTEM, None, name="Casa")
    page = text(english(browser, "/notifications/settings").get("/notifications/settings"))
    assert "A daily digest" in page and "Zona Est" in page and "Casa" in page
    assert db.session.get(NotificationSettings, reader.id) is None  # reading writes nothing
    response = browser.post(
        "/notifications/settings",
        {"replies": "y", "new_comments": "y", "email": "immediate",
         "zones": str(zone.id), "topics": str(home.id)},
        token_from="/notifications/settings",
    )  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(NotificationSettings, reader.id)
    assert (stored.replies, stored.new_versions, stored.new_comments) == (True, False, True)
    assert stored.email == EmailFrequency.IMMEDIATE
    follows = {(f.target, f.target_id) for f in db.session.scalars(select(Follow))}
    assert follows == {(FollowTarget.ZONE, zone.id), (FollowTarget.TOPIC, home.id)}
    page = browser.get("/notifications/settings").get_data(as_text=True)
    assert re.search(rf'value="{zone.id}"[^>]*checked|checked[^>]*value="{zone.id}"', page)
    # unfollow everything: no boxes ticked
    browser.post("/notifications/settings", {"email": "never"})
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "hourly"},
        {"email": ""},
        {"zones": "99999"},
        {"zones": "abc"},
        {"topics": "99999"},
    ],
)
def test_bad_settings_keep_the_form_and_change_nothing(browser, reader, zone, bad):
    data = {"replies": "y", "email": "weekly", "zones": str(zone.id)} | bad
    response = browser.post("/notifications/settings", data, token_from="/notifications/settings")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="form-errors"' in page and 'class="field-error"' in page
    assert 'name="replies" type="checkbox" value="y"' in page and "checked" in page
    db.session.expire_all()
    assert db.session.get(NotificationSettings, reader.id) is None
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_settings_without_csrf_are_refused(browser, reader):
    browser.get("/notifications/settings")
    response = browser.client.post("/notifications/settings", data={"email": "never"})
    assert response.status_code == 400
    assert db.session.get(NotificationSettings, reader.id) is None


def test_the_digest_command(app, reader, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path))
    tell(reader, n=2)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "digests sent: 1" in result.output
    assert runner.invoke(args=["notifications", "send-digests"]).output.startswith(
        "digests sent: 0"
    )
    [message] = read_outbox(tmp_path)
    assert message["To"] == reader.email
