"""The discussion in a real Chromium: one person comments, another sees it arrive without
reloading and hears it announced; replies and paragraph comments in place; moderation
seen live; the form without JavaScript; axe and a 360 px phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from council.domain.discussion import comments
from council.unit_of_work import unit_of_work
from tests.e2e.conftest import DESKTOP, PHONE, axe_check, horizontal_overflow, log_in
from tests.factories import post


def in_room(page: Page, proposal) -> None:
    """Wait until the page's socket is in the proposal's room: a second join is acknowledged
    only after the one discussion.js sent on connect (messages are ordered on a connection)."""
    page.wait_for_function("() => window.consiglio && window.consiglio.socket.connected")
    joined = page.evaluate(
        """(room) => new Promise((resolve) =>
            window.consiglio.socket.emit("room.join", {room}, resolve))""",
        f"proposal:{proposal.id}",
    )
    assert joined["ok"] is True
    page.evaluate("() => { window.stillTheSamePage = true; }")


def test_a_comment_appears_for_another_reader_without_reloading(new_context, proposal, member):
    reader = new_context(PHONE).new_page()
    reader.goto(f"/proposals/{proposal.id}")
    in_room(reader, proposal)

    writer = new_context(DESKTOP).new_page()
    log_in(writer, member.email)
    writer.goto(f"/proposals/{proposal.id}")
    writer.fill("#comment-body", "Propongo di coinvolgere anche le **parrocchie**.")
    writer.select_option("#comment-stance", "in_favour")
    writer.locator("#comment-form button[type=submit]").click()
    expect(writer.locator(".flash-success")).to_be_visible()
    expect(writer.locator("#discussion")).to_contain_text("coinvolgere anche le parrocchie")

    article = reader.locator("#discussion article.comment").first
    expect(article).to_contain_text("coinvolgere anche le parrocchie")
    expect(article.locator("strong")).to_have_text("parrocchie")
    expect(article).to_contain_text("Marco Rossi")
    expect(reader.locator("#live-announcer")).to_contain_text("Marco Rossi")
    expect(reader.locator("[data-comment-count]")).to_have_text("1 commento")
    expect(reader.locator("#stance-tally .tally-in_favour")).to_contain_text("1")
    assert reader.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    assert horizontal_overflow(reader) == 0
    axe_check(reader)


def test_replies_and_edits_arrive_in_place(new_context, proposal, member, author):
    root = post(author, proposal, "Che ne pensate dell'orario serale?")
    reader = new_context(PHONE).new_page()
    reader.goto(f"/proposals/{proposal.id}")
    in_room(reader, proposal)

    writer = new_context(DESKTOP).new_page()
    log_in(writer, member.email)
    writer.goto(f"/proposals/{proposal.id}")
    # "Reply" fills the form in place (JavaScript): the form moves under the comment
    writer.locator(f"#c-{root.id} [data-reply-to]").click()
    expect(writer.locator("#comment-body")).to_be_focused()
    expect(writer.locator("[data-comment-form-context]")).to_contain_text("Lucia Ferrari")
    assert writer.locator("#comment-parent").input_value() == str(root.id)
    writer.fill("#comment-body", "Meglio fino alle 21.")
    writer.locator("#comment-form button[type=submit]").click()
    expect(writer.locator(f'[data-replies-of="{root.id}"]')).to_contain_text("Meglio fino alle 21.")

    replies = reader.locator(f'[data-replies-of="{root.id}"]')
    expect(replies).to_contain_text("Meglio fino alle 21.")
    with unit_of_work() as session:
        comments.edit_comment(session, author, session.merge(root), "Orario serale: sì o no?")
    expect(reader.locator(f"#c-{root.id}")).to_contain_text("Orario serale: sì o no?")
    expect(reader.locator(f"#c-{root.id} .comment-edited")).to_be_visible()
    expect(replies).to_contain_text("Meglio fino alle 21.")  # the replies stay in place
    assert reader.evaluate("() => window.stillTheSamePage === true")


def test_moderation_replaces_the_text_live(new_context, proposal, member, secretary):
    comment = post(member, proposal, "Parole che non vanno bene.")
    reader = new_context(PHONE).new_page()
    reader.goto(f"/proposals/{proposal.id}")
    in_room(reader, proposal)
    expect(reader.locator(f"#c-{comment.id}")).to_contain_text("Parole che non vanno bene.")

    office = new_context(DESKTOP).new_page()
    log_in(office, secretary.email)
    office.goto(f"/proposals/{proposal.id}/comments/{comment.id}/hide")
    office.fill("#reason", "Linguaggio offensivo.")
    office.locator("main form button[type=submit]").click()
    expect(office.locator(".flash-success")).to_be_visible()

    article = reader.locator(f"#c-{comment.id}")
    expect(article).to_contain_text("Linguaggio offensivo.")
    expect(article).not_to_contain_text("Parole che non vanno bene.")
    expect(reader.locator("[data-comment-count]")).to_have_text("0 commenti")
    axe_check(reader)


def test_commenting_a_paragraph_in_place(new_context, proposal, member):
    writer = new_context(PHONE).new_page()
    log_in(writer, member.email)
    writer.goto(f"/proposals/{proposal.id}")
    writer.locator('#p-1 [data-comment-paragraph="1"]').click()
    expect(writer.locator("#comment-body")).to_be_focused()
    assert writer.locator("#comment-paragraph").input_value() == "1"
    writer.fill("#comment-body", "Quali associazioni, esattamente?")
    writer.locator("#comment-form button[type=submit]").click()
    expect(writer.locator(".flash-success")).to_be_visible()

    summary = writer.locator("#p-1 details.paragraph-comments > summary")
    expect(summary).to_contain_text("1")
    summary.click()
    expect(writer.locator("#p-1 details.paragraph-comments")).to_contain_text(
        "Quali associazioni, esattamente?"
    )
    assert horizontal_overflow(writer) == 0
    axe_check(writer)


def test_without_javascript_the_discussion_still_works(new_context, proposal, member, author):
    root = post(author, proposal, "Primo commento della discussione.")
    context = new_context(PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, member.email)
    page.goto(f"/proposals/{proposal.id}")
    page.locator(f"#c-{root.id} [data-reply-to]").click()  # a link to the reply page
    expect(page).to_have_url(re.compile(rf"/comments/new\?parent={root.id}$"))
    expect(page.locator("main")).to_contain_text("Primo commento della discussione.")
    page.locator("#comment-body").fill("")
    page.locator("main form button[type=submit]").click()  # empty: refused, form again
    expect(page.locator("#form-errors")).to_be_visible()
    page.locator("#comment-body").fill("Rispondo senza JavaScript.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(f'[data-replies-of="{root.id}"]')).to_contain_text(
        "Rispondo senza JavaScript."
    )


def test_the_discussion_is_accessible_on_a_phone_and_a_desktop(
    new_context, proposal, member, author, secretary
):
    root = post(author, proposal, "Un commento con **grassetto** e un [link](https://example.org).",
                stance="against")  # fmt: skip
    post(member, proposal, "Una risposta.", parent=root)
    hidden = post(member, proposal, "Da nascondere.", paragraph=0)
    with unit_of_work() as session:
        comments.hide_comment(session, secretary, session.merge(hidden), "Fuori luogo.")
    for viewport, email in ((PHONE, None), (DESKTOP, member.email), (PHONE, secretary.email)):
        page = new_context(viewport).new_page()
        if email:
            log_in(page, email)
        for path in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/comments/{root.id}"):
            page.goto(path)
            assert horizontal_overflow(page) == 0, path
            axe_check(page)
