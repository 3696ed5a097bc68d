"""The chair's console without JavaScript: a control that cannot work now is disabled with the
reason beside it (the session before its hour, a poll whose amendments come first), the next
sensible poll comes first, and a refused form goes back to the console with a message that
names the control. The secretary's console starts with the attendance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from council.domain.voting import polls
from council.extensions import db
from council.models.poll import Poll
from tests.factories import reread
from tests.meeting_helpers import convened_meeting, detach, make_council, running_meeting
from tests.poll_helpers import amendment_before_item, run
from tests.web.test_meetings import post, text


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user, members=3))


def button_tag(page: str, label: str) -> str:
    found = re.search(r"<button[^>]*>\s*" + re.escape(label), page)
    assert found, label
    return found.group(0)


def test_the_session_is_offered_only_from_its_hour(as_, council):
    early = convened_meeting(council, starts_in=timedelta(hours=3))
    page = text(as_(council.chair).get(f"/meetings/{early.id}/console"))
    assert "disabled" in button_tag(page, "Apri la seduta")
    # today "dalle 16:30"; after 21:00 in Rome its hour is tomorrow's, with the day
    reason = r'id="reason-open"[^>]*>Disponibile dal(le| \d{1,2} \w+ alle) \d\d:\d\d<'
    assert re.search(reason, page)
    later = convened_meeting(council, starts_in=timedelta(days=3))
    page = text(as_(council.chair).get(f"/meetings/{later.id}/console"))
    assert re.search(r'id="reason-open"[^>]*>Disponibile dal \d{1,2} \w+ alle \d\d:\d\d<', page)

    soon = convened_meeting(council, starts_in=timedelta(minutes=30))
    page = text(as_(council.chair).get(f"/meetings/{soon.id}/console"))
    assert "disabled" not in button_tag(page, "Apri la seduta")
    assert 'id="reason-open"' not in page


def test_the_amendment_comes_first_and_the_item_says_why_it_waits(as_, council):
    meeting, on_item, on_amendment = amendment_before_item(council)
    page = text(as_(council.chair).get(f"/meetings/{meeting.id}/console"))
    pending = page[page.index('data-polls="pending"') : page.index('data-polls="done"')]
    assert pending.index(f'data-poll="{on_amendment}"') < pending.index(f'data-poll="{on_item}"')
    assert re.search(
        rf'<span class="control-reason" id="poll-reason-{on_item}"[^>]*>'
        r"Gli emendamenti di questo punto si votano prima del punto stesso\.<",
        page,
    )
    entry = pending[pending.index(f'data-poll="{on_item}"') :]
    assert "disabled" in button_tag(entry, "Apri la votazione")


def test_a_refused_form_comes_back_to_the_console_naming_the_control(as_, council):
    meeting = running_meeting(council)
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[1].id,
               kind="named", rule="simple", question="Approvare il secondo punto?").id  # fmt: skip
    chair = as_(council.chair)
    console = f"/meetings/{meeting.id}/console"
    response = post(chair, f"/meetings/{meeting.id}/polls/{poll}/open", {"next": console},
                    page=console)  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith(console)
    page = text(chair.get(console))
    assert re.search(
        r'class="flash flash-error" role="alert">Apri la votazione: Passa a questo punto '
        r"dell'ordine del giorno prima di aprirne la votazione\.<",
        page,
    )
    reread()
    assert db.session.get(Poll, poll).state == "prepared"

    # from another page, a refusal is still the error page that says why
    response = post(
        chair, f"/meetings/{meeting.id}/polls/{poll}/open", page=f"/meetings/{meeting.id}"
    )
    assert response.status_code == 409


def test_the_secretary_starts_with_the_attendance(as_, council):
    meeting = running_meeting(council, present=[council.chair])
    page = text(as_(council.secretary).get(f"/meetings/{meeting.id}/console"))
    main = page[page.index('class="console-main"') :]
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", main)
    assert headings[0] == "Presenze"
    assert "Segna presente" in main[: main.index("console-speakers-title")]
    assert "Sospendi" not in page and "Prepara la votazione" not in page
