"""The discussion over HTTP, without JavaScript: reading, posting, replying, paragraphs,
editing, deleting, moderating, filters and pages; errors keep the form; CSRF; fragments."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select

from council import plain_text
from council.extensions import db
from council.models.comment import Comment, CommentState
from council.models.proposal import ProposalState
from council.models.record import RecordEvent
from council.unit_of_work import unit_of_work
from tests.factories import add_version, fresh, make_proposal, post, version_of
from tests.statements import statements_of

SECRET = "Testo-da-moderare-7f3a"


def page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def english(web):
    """Read the pages in English: the msgids, stable whatever the Italian catalogue says."""
    web.post("/language", {"locale": "en"}, token_from="/")
    return web


def comment_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Comment))


@pytest.fixture
def member_web(web, member):
    web.login("marco@example.org")
    return english(web)


def base(proposal) -> str:
    return f"/proposals/{proposal.id}/comments"


def send(web, proposal, body, **fields):
    data = {"body": body, "stance": "", "parent": "", "paragraph": "", "next": base(proposal)}
    data.update(fields)
    return web.post(base(proposal), data, token_from=base(proposal))


# --- reading -------------------------------------------------------------------------------------


def test_the_public_reads_the_discussion_and_is_invited_to_log_in(web, proposal, member):
    post(member, proposal, "Serve un **numero verde**.", stance="in_favour")
    text = english(web).get(base(proposal)).get_data(as_text=True)
    assert "Marco Rossi" in text
    assert "<strong>numero verde</strong>" in text
    assert "1 in favour" in text and "0 against" in text
    assert 'id="comment-form"' not in text
    assert "to take part in the discussion" in text


def test_a_draft_has_no_discussion_pages(web, author):
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False)
    for path in ("", "/new", "/tally", "/counts", "/1", "/1/fragment"):
        assert web.get(base(draft) + path).status_code == 404


def test_hostile_markdown_is_harmless_on_the_page(web, proposal, member):
    post(
        member, proposal, "<script>alert(1)</script> [x](javascript:alert(2)) <b onclick=x()>b</b>"
    )
    text = web.get(base(proposal)).get_data(as_text=True)
    assert "<script>alert" not in text and "javascript:alert" not in text
    assert "onclick" not in text


# --- posting -------------------------------------------------------------------------------------


def test_posting_without_javascript(member_web, proposal):
    response = send(member_web, proposal, "Propongo di coinvolgere le scuole.", stance="neutral")
    assert response.status_code == 302
    [comment] = db.session.scalars(select(Comment)).all()
    assert response.location == f"{base(proposal)}#c-{comment.id}"
    text = page(member_web.get(base(proposal)))
    assert "Your comment is published." in text
    assert "Propongo di coinvolgere le scuole." in text
    assert "1 neutral" in text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("   ", 422, "Write the text of your comment."),
        ("x" * 10_001, 422, "A comment can be at most 10000 characters long."),
    ],
)
def test_a_refused_text_comes_back_in_the_form(member_web, proposal, body, status, message):
    response = send(member_web, proposal, body, stance="against")
    assert response.status_code == status
    text = page(response)
    assert message in text
    if body.strip():
        assert body in text  # the form kept what was typed
    assert re.search(r'<option selected value="against">|<option value="against" selected', text)
    assert comment_count() == 0


def test_after_the_deadline_the_text_is_kept_and_refused(member_web, proposal):
    with unit_of_work() as session:
        session.merge(proposal).state = ProposalState.ON_AGENDA
    response = send(member_web, proposal, "Arrivo tardi ma ho un'idea.")
    assert response.status_code == 409
    text = page(response)
    assert "The consultation is closed." in text
    assert "Arrivo tardi ma ho un'idea." in text
    assert comment_count() == 0


def test_the_rate_limit_answers_429_and_keeps_the_form(member_web, member, proposal):
    for i in range(5):
        post(member, proposal, f"Commento veloce {i}")
    response = send(member_web, proposal, "Il sesto in un minuto.")
    assert response.status_code == 429
    text = page(response)
    assert "at most 5 comments a minute and 60 an hour" in text
    assert "Il sesto in un minuto." in text
    assert comment_count() == 5


def test_a_repeated_submission_is_refused(member_web, proposal):
    assert send(member_web, proposal, "Una volta sola.").status_code == 302
    again = send(member_web, proposal, "Una volta sola.")
    assert again.status_code == 409
    assert "You have already posted this comment." in page(again)
    assert comment_count() == 1


def test_without_a_csrf_token_nothing_is_posted(member_web, proposal):
    response = member_web.post(base(proposal), {"body": "Senza token", "csrf_token": "falso"})
    assert response.status_code == 400
    assert comment_count() == 0


@pytest.mark.parametrize("who", ["public", "admin"])
def test_those_who_may_not_comment_are_refused(web, make_user, proposal, who):
    if who == "admin":
        make_user("admin", email="admin@example.org")
        web.login("admin@example.org")
    english(web)
    response = send(web, proposal, "Vorrei dire la mia.")
    assert response.status_code == 403
    assert "Vorrei dire la mia." in page(response)
    assert comment_count() == 0


# --- replies and threads -------------------------------------------------------------------------


def test_replying_through_the_reply_page(member_web, proposal, author):
    root = post(author, proposal, "Che ne pensate?")
    form_page = page(member_web.get(f"{base(proposal)}/new?parent={root.id}"))
    assert "Reply to a comment" in form_page and "Che ne pensate?" in form_page
    assert f'value="{root.id}"' in form_page
    response = send(member_web, proposal, "Ne penso bene.", parent=str(root.id))
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == root.id))
    assert response.location.endswith(f"#c-{reply.id}")
    text = page(member_web.get(base(proposal)))
    assert text.index("Che ne pensate?") < text.index("Ne penso bene.")
    assert f'data-replies-of="{root.id}"' in text


def test_deep_replies_fold_behind_a_link_to_the_thread(web, proposal, make_user):
    people = [make_user("member") for _ in range(5)]
    chain = [post(people[0], proposal, "Livello zero")]
    for level in range(1, 5):
        chain.append(post(people[level], proposal, f"Livello {level}", parent=chain[-1]))
    text = page(english(web).get(base(proposal)))
    assert "Livello 2" in text and "Livello 3" not in text
    thread_url = f"{base(proposal)}/{chain[0].id}#c-{chain[2].id}"
    assert f'href="{thread_url}"' in text and "Show 2 replies" in text
    thread = page(web.get(f"{base(proposal)}/{chain[0].id}"))
    assert all(f"Livello {n}" in thread for n in ("zero", 1, 2, 3, 4))
    sub = page(web.get(f"{base(proposal)}/{chain[3].id}"))
    assert "Livello 3" in sub and "Livello 4" in sub and "Livello 2" not in sub
    assert "Show the whole conversation" in sub


def test_forged_parents_are_refused_and_the_form_kept(member_web, proposal, author):
    other = make_proposal(author, title="Altra proposta")
    elsewhere = post(author, other, "Altrove")
    wrong = send(member_web, proposal, "Risposta fuori posto.", parent=str(elsewhere.id))
    assert wrong.status_code == 404 and "Risposta fuori posto." in page(wrong)
    bad = send(member_web, proposal, "Risposta storta.", parent="1; DROP TABLE")
    assert bad.status_code == 422 and "Risposta storta." in page(bad)
    assert "The form was altered" in page(bad)
    assert comment_count() == 1


# --- paragraphs ----------------------------------------------------------------------------------


def test_commenting_a_paragraph(member_web, proposal):
    form_page = page(member_web.get(f"{base(proposal)}/new?paragraph=1"))
    assert "On § 2 of the proposal:" in form_page
    assert "gestito dalle associazioni" in form_page
    send(member_web, proposal, "Quali associazioni?", paragraph="1")
    comment = db.session.scalar(select(Comment))
    assert comment.paragraph == 1
    tools = page(member_web.get(f"{base(proposal)}/paragraphs/1?version=1"))
    assert "1 comment" in tools and "Quali associazioni?" in tools and "<details" in tools
    empty = page(member_web.get(f"{base(proposal)}/paragraphs/0?version=1"))
    assert "<details" not in empty and 'data-paragraph-tools="0"' in empty
    assert member_web.get(f"{base(proposal)}/paragraphs/9?version=1").status_code == 404
    assert member_web.get(f"{base(proposal)}/paragraphs/0?version=7").status_code == 404
    missing = send(member_web, proposal, "Paragrafo inesistente.", paragraph="12")
    assert missing.status_code == 422 and "This paragraph does not exist." in page(missing)


# --- editing, history, deleting ------------------------------------------------------------------


def test_editing_keeps_a_public_history(member_web, member, proposal, make_web):
    comment = post(member, proposal, "Prima versione del commento.")
    edit = f"{base(proposal)}/{comment.id}/edit"
    assert "Prima versione del commento." in page(member_web.get(edit))
    response = member_web.post(
        edit, {"body": "Versione corretta.", "stance": "against"}, token_from=edit
    )
    assert response.status_code == 302
    text = page(member_web.get(base(proposal)))
    assert "Versione corretta." in text and "edited" in text
    history = page(make_web().get(f"{base(proposal)}/{comment.id}/history"))
    assert "Versione corretta." in history and "Prima versione del commento." in history


def test_an_edit_refused_keeps_the_new_text(member_web, member, proposal):
    comment = post(member, proposal, "Testo breve.")
    edit = f"{base(proposal)}/{comment.id}/edit"
    response = member_web.post(edit, {"body": "y" * 10_001, "stance": ""}, token_from=edit)
    assert response.status_code == 422
    assert "y" * 10_001 in page(response)
    assert fresh(comment).body == "Testo breve."


def test_others_cannot_edit_or_delete(web, make_user, member, proposal):
    comment = post(member, proposal, "Mio.")
    make_user("member", email="altro@example.org")
    for path in ("edit", "delete"):
        assert web.get(f"{base(proposal)}/{comment.id}/{path}").status_code == 403
    web.login("altro@example.org")
    for path in ("edit", "delete"):
        url = f"{base(proposal)}/{comment.id}/{path}"
        assert web.get(url).status_code == 403
        assert web.post(url, {"body": "Preso!"}, token_from=base(proposal)).status_code == 403
    assert fresh(comment).body == "Mio."


def test_deleting_leaves_the_placeholder(member_web, member, proposal, author):
    comment = post(member, proposal, "Da cancellare subito.")
    post(author, proposal, "Risposta che resta.", parent=comment)
    url = f"{base(proposal)}/{comment.id}/delete"
    assert "Da cancellare subito." in page(member_web.get(url))
    assert member_web.post(url, {}, token_from=url).status_code == 302
    text = page(member_web.get(base(proposal)))
    assert "Comment deleted by its author" in text
    assert "Da cancellare subito." not in text and "Risposta che resta." in text
    assert member_web.post(url, {}, token_from=base(proposal)).status_code == 409


# --- moderation ----------------------------------------------------------------------------------


@pytest.fixture
def secretary_web(make_web, secretary):
    browser = make_web()
    browser.login("segretario@example.org")
    return english(browser)


def test_hiding_shows_the_reason_and_never_the_text(secretary_web, member, proposal, make_web):
    comment = post(member, proposal, f"Insulti: {SECRET}", stance="against")
    url = f"{base(proposal)}/{comment.id}/hide"
    assert SECRET in page(secretary_web.get(url))  # the secretariat sees what it hides
    short = secretary_web.post(url, {"reason": "no"}, token_from=url)
    assert short.status_code == 422 and "Give a reason between 5 and 500 characters" in page(short)
    assert fresh(comment).state == CommentState.VISIBLE
    done = secretary_web.post(url, {"reason": "Linguaggio offensivo."}, token_from=url)
    assert done.status_code == 302

    reader = english(make_web())
    for browser in (reader, secretary_web):
        for path in ("", f"/{comment.id}", f"/{comment.id}/fragment", f"/{comment.id}/history",
                     f"/{comment.id}/fragment?view=compact", "/tally"):  # fmt: skip
            text = page(browser.get(base(proposal) + path))
            assert SECRET not in text, path
        assert "Hidden by the secretariat: Linguaggio offensivo." in page(
            browser.get(base(proposal))
        )
    record = reader.get("/api/v1/record?limit=1000").get_data(as_text=True)
    assert SECRET not in record and "Linguaggio offensivo." in record

    unhide = f"{base(proposal)}/{comment.id}/unhide"
    assert secretary_web.post(unhide, {}, token_from=base(proposal)).status_code == 302
    assert SECRET in page(reader.get(base(proposal)))


@pytest.mark.parametrize("roles", [("chair", "member"), ("stakeholder",), ("admin",)])
def test_only_the_secretariat_hides(make_web, make_user, member, proposal, roles):
    comment = post(member, proposal)
    make_user(*roles, email="chi@example.org")
    browser = make_web()
    browser.login("chi@example.org")
    url = f"{base(proposal)}/{comment.id}/hide"
    assert browser.get(url).status_code == 403
    assert browser.post(url, {"reason": "Per prova."}, token_from=base(proposal)).status_code == 403
    unhide = f"{base(proposal)}/{comment.id}/unhide"
    assert browser.post(unhide, {}, token_from=base(proposal)).status_code == 403
    assert fresh(comment).state == CommentState.VISIBLE


# --- tally, filter, order, pages -----------------------------------------------------------------


def test_filter_by_stance_and_order(web, proposal, make_user):
    a, b = make_user("member", name="Anna"), make_user("member", name="Bruno")
    first = post(a, proposal, "Primo, contrario.", stance="against")
    post(b, proposal, "Secondo, favorevole.", stance="in_favour")
    post(b, proposal, "Risposta contraria.", stance="against", parent=first)
    english(web)
    only = page(web.get(f"{base(proposal)}?c_stance=against"))
    # the reply is listed on its own, with a way back to its conversation
    assert "Primo, contrario." in only and "Risposta contraria." in only
    assert "In reply to another comment" in only
    assert "Secondo, favorevole." not in only
    oldest = page(web.get(f"{base(proposal)}?c_order=oldest"))
    assert oldest.index("Primo, contrario.") < oldest.index("Secondo, favorevole.")
    newest = page(web.get(base(proposal)))
    assert newest.index("Secondo, favorevole.") < newest.index("Primo, contrario.")
    assert "0 in favour" in newest and "2 against" in newest  # Bruno counts once: against
    for odd in (
        "?c_stance=<x>",
        "?c_order=sideways",
        "?c_page=abc",
        "?c_page=-3",
        "?c_page=9999999",
    ):
        assert web.get(base(proposal) + odd).status_code == 200


def test_fifty_threads_a_page(web, proposal, member):
    version = version_of(proposal)
    with unit_of_work() as session:
        for i in range(55):
            session.add(
                Comment(proposal_id=proposal.id, version_id=version.id, author_id=member.id,
                        body=f"Numero {i:02d}.", depth=0, reply_count=0)
            )  # fmt: skip
    english(web)
    first = page(web.get(base(proposal)))
    assert first.count('class="comment-item"') == 50
    assert "Numero 54." in first and "Numero 04." not in first and "More comments" in first
    second = page(web.get(f"{base(proposal)}?c_page=2"))
    assert second.count('class="comment-item"') == 5 and "Previous comments" in second


def test_a_long_discussion_renders_in_a_bounded_number_of_queries(web, proposal, make_user):
    writers = [make_user("member") for _ in range(8)]
    version = version_of(proposal)
    with unit_of_work() as session:
        roots = []
        for i in range(60):
            root = Comment(proposal_id=proposal.id, version_id=version.id, depth=0,
                           author_id=writers[i % 8].id, body=f"Radice {i}",
                           reply_count=2)  # fmt: skip
            session.add(root)
            roots.append(root)
        session.flush()
        for i, root in enumerate(roots):
            for j in range(2):
                session.add(
                    Comment(proposal_id=proposal.id, version_id=version.id, parent_id=root.id,
                            root_id=root.id, depth=1, author_id=writers[(i + j) % 8].id,
                            body=f"Risposta {i}.{j}", reply_count=0)
                )  # fmt: skip
    answers = []
    statements = statements_of(lambda: answers.append(web.get(base(proposal))))
    response = answers[0]
    assert response.status_code == 200
    assert page(response).count('class="comment-item"') == 150  # 50 threads, 100 replies
    assert len(statements) < 25, len(statements)


# --- fragments for the live page -----------------------------------------------------------------


def test_fragments_render_the_same_partial(web, proposal, member, author):
    root = post(author, proposal, "Radice del filo.")
    reply = post(member, proposal, "Risposta nel filo.", parent=root)
    one = page(web.get(f"{base(proposal)}/{root.id}/fragment"))
    assert one.lstrip().startswith('<li class="comment-item"')
    assert f'id="c-{root.id}"' in one and "Risposta nel filo." in one
    folded = page(web.get(f"{base(proposal)}/{root.id}/fragment?level=2"))
    assert "Risposta nel filo." not in folded and "data-fold-of" in folded
    compact = page(web.get(f"{base(proposal)}/{reply.id}/fragment?view=compact"))
    assert "data-comment-compact" in compact and "Risposta nel filo." in compact
    assert web.get(f"{base(proposal)}/{reply.id}/fragment?level=abc").status_code == 200
    other = make_proposal(author, title="Altra")
    assert web.get(f"/proposals/{other.id}/comments/{root.id}/fragment").status_code == 404
    assert web.get(f"{base(proposal)}/counts").get_json() == {"comments": 2, "supports": 0}


def test_the_author_sees_their_own_controls_in_fragments(member_web, member, proposal, author):
    mine = post(member, proposal, "Il mio.")
    theirs = post(author, proposal, "Il suo.")
    assert "/edit" in page(member_web.get(f"{base(proposal)}/{mine.id}/fragment"))
    assert "/edit" not in page(member_web.get(f"{base(proposal)}/{theirs.id}/fragment"))


def test_the_record_of_a_web_post_carries_the_hash_only(member_web, proposal):
    send(member_web, proposal, "Testo riservato al sito.")
    kinds = db.session.scalars(select(RecordEvent).where(RecordEvent.kind == "comment.posted"))
    [recorded] = list(kinds)
    assert "Testo riservato" not in recorded.data
    assert json.loads(recorded.data)["body_sha256"] == plain_text.sha256("Testo riservato al sito.")


def test_old_comments_are_labelled_with_their_version(web, proposal, member, author):
    post(member, proposal, "Sulla prima versione.")
    add_version(proposal, author, "Nuovo testo.")
    assert "on version 1" in page(english(web).get(base(proposal)))


# --- on the proposal page ------------------------------------------------------------------------


def test_the_proposal_page_carries_the_discussion_and_the_paragraph_tools(web, proposal, member):
    post(member, proposal, "Sul secondo paragrafo.", paragraph=1, stance="against")
    post(member, proposal, "In generale.")
    text = page(english(web).get(f"/proposals/{proposal.id}"))
    assert 'id="discussion"' in text and "1 against" in text
    tools = text[text.index('data-paragraph-tools="1"') :]
    assert "1 comment" in tools[: tools.index("</details>")]
    assert "Sul secondo paragrafo." in tools[: tools.index("</details>")]
    assert 'data-paragraph-tools="0"' in text
    assert "js/discussion.js" in text


def test_a_draft_page_has_no_discussion(make_web, author):
    draft = make_proposal(author, state=ProposalState.DRAFT, published=False)
    browser = make_web()
    browser.login("lucia@example.org")
    text = page(browser.get(f"/proposals/{draft.id}"))
    assert 'id="discussion"' not in text and "data-paragraph-tools" not in text
