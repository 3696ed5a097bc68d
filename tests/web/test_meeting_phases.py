"""Each phase of a meeting said in words by the server (the pages without JavaScript): the
sentence under the state, the votes listed with their state or outcome, and once closed the
summary instead of a quorum warning. tests/e2e/test_phases.py checks the live pages say the
same as each phase arrives."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from council.domain.meetings import attendance, live_session
from council.domain.voting import polls
from tests.meeting_helpers import convened_meeting, detach, make_council, run


@pytest.fixture
def council(make_user):
    return detach(make_council(make_user))


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Visible(HTMLParser):
    """The text a reader sees: nothing inside an element marked hidden, no script."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.stack: list[bool] = []  # for each open element: hidden (itself or inherited)

    def handle_starttag(self, tag, attrs) -> None:
        if tag in VOID:
            return
        inherited = bool(self.stack and self.stack[-1])
        self.stack.append(inherited or "hidden" in dict(attrs) or tag in ("script", "style"))

    def handle_endtag(self, tag) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data) -> None:
        if not (self.stack and self.stack[-1]):
            self.words.extend(data.split())


def shown(web, path: str) -> str:
    reader = Visible()
    reader.feed(web.get(path).get_data(as_text=True))
    return " ".join(reader.words)


def phase(web, meeting) -> str:
    page = web.get(f"/meetings/{meeting.id}/live").get_data(as_text=True)
    note = re.search(r'data-live="phase-note">([^<]*)<', page).group(1)
    return html.unescape(note)


def test_every_phase_is_said_by_the_server(council, make_web):
    meeting = convened_meeting(council)
    web = make_web()
    assert phase(web, meeting).startswith("La seduta non è ancora iniziata")
    run(live_session.open_session, council.chair, meeting.id)
    run(live_session.move_to, council.chair, meeting.id, meeting.items[0].id)
    for person in council.all_members:
        run(attendance.check_in, person, meeting.id)
    assert phase(web, meeting) == "La seduta è in corso."
    poll = run(polls.prepare_poll, council.chair, meeting.id, item_id=meeting.items[0].id,
               kind="secret", rule="simple", question="Nominare il rappresentante?")  # fmt: skip
    assert "Nominare il rappresentante? segreta non ancora aperta" in shown(
        web, f"/meetings/{meeting.id}"
    )
    run(polls.open_poll, council.chair, poll.id)
    assert phase(web, meeting) == "La seduta è in corso: è aperta una votazione."
    run(live_session.suspend, council.chair, meeting.id)
    assert phase(web, meeting) == (
        "La seduta è sospesa: nessuno ha la parola e non si possono aprire votazioni finché il "
        "presidente non la riprende. Si può comunque registrare la presenza e chiedere la "
        "parola. La votazione già aperta resta aperta: si può ancora votare."
    )
    run(polls.cast_ballot, council.members[0], poll.id, "against", "m-1")
    run(polls.close_poll, council.chair, poll.id)
    page = shown(web, f"/meetings/{meeting.id}")
    assert "Nominare il rappresentante? segreta respinta 0 favorevoli · 1 contrario" in page
    assert "non ancora aperta" not in page
    run(live_session.resume, council.chair, meeting.id)
    run(live_session.close, council.chair, meeting.id)
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/live"):
        page = shown(web, path)
        assert "La seduta è chiusa." in page
        assert "Presenti alla chiusura: 6 su 6 consiglieri." in page
        assert "numero legale" not in page and "Presenti 0 su 6" not in page
        assert "Che cosa è stato deciso Nominare il rappresentante? segreta respinta" in page
