"""The live preview of the writing boxes (POST /preview/<kind>): each field's writers get the
sanitized HTML of their text; nobody else, no forged request, no oversized, too complex or
too frequent text gets anything but a refusal in Italian, the same words as on save."""

from __future__ import annotations

import pytest

from council.domain.discussion import comment_rules
from council.web import preview
from tests.factories import make_proposal
from tests.hostile_markdown import SHAPES

HOSTILE = (
    "**Ciao** <script>alert(1)</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>"
)


def ask(web, kind: str, body: str, token: str | None = None, **kw):
    headers = {"X-CSRFToken": token} if token else {}
    return web.client.post(f"/preview/{kind}", data={"body": body}, headers=headers, **kw)


@pytest.mark.parametrize(
    "who, kind",
    [("stakeholder", "proposal"), ("member", "comment"), ("member", "amendment"),
     ("secretary", "minutes")],
)  # fmt: skip
def test_each_writer_sees_the_text_rendered_and_sanitized(as_, who, kind):
    web = as_(who)
    answer = ask(web, kind, HOSTILE, web.token("/"))
    assert answer.status_code == 200
    html = answer.get_json()["html"]
    assert "<strong>Ciao</strong>" in html
    for hostile in ("<script", "javascript:", "onerror", "<img"):
        assert hostile not in html


def test_an_empty_text_previews_as_nothing(as_):
    web = as_("member")
    answer = ask(web, "comment", "  \n ", web.token("/"))
    assert answer.status_code == 200 and answer.get_json() == {"html": ""}


def test_without_login_nothing_is_rendered(make_web, council):
    public = make_web()
    answer = ask(public, "comment", "**x**", public.token("/"))
    assert answer.status_code == 403
    assert answer.get_json()["message"] == "Accedi per eseguire questa operazione."
    assert "html" not in answer.get_json()


def test_a_field_the_person_cannot_write_is_not_previewed(as_):
    web = as_("stakeholder")
    answer = ask(web, "minutes", "**x**", web.token("/"))
    assert answer.status_code == 403 and "html" not in answer.get_json()
    assert ask(web, "nothing", "x", web.token("/")).status_code == 404


def test_without_the_csrf_token_the_refusal_is_json_in_italian(as_):
    web = as_("member")
    for answer in (
        ask(web, "comment", "**x**"),
        ask(web, "comment", "**x**", "forged"),
        web.client.post("/proposals/preview", data={"body": "x"}),
    ):
        assert answer.status_code == 400
        assert "non proviene da questo sito" in answer.get_json()["message"]


def test_a_text_too_large_is_refused_before_it_is_read(as_):
    web = as_("member")
    huge = "x" * (comment_rules.MAX_BODY * preview.BYTES_PER_CHAR + preview.FORM_OVERHEAD)
    answer = ask(web, "comment", huge, web.token("/"))
    assert answer.status_code == 413
    assert answer.get_json()["message"] == (
        "Questo testo è troppo lungo per l'anteprima: al massimo 10000 caratteri."
    )


def test_a_text_too_long_or_too_complex_gets_the_words_of_the_save(as_, council):
    proposal = make_proposal(council.stakeholder)
    web = as_("member")
    token = web.token("/")
    url = f"/proposals/{proposal.id}/comments"
    too_long = "x" * (comment_rules.MAX_BODY + 1)
    for body in (too_long, SHAPES["link openers"](comment_rules.MAX_BODY)):
        answer = ask(web, "comment", body, token)
        assert answer.status_code == 422
        message = answer.get_json()["message"]
        assert "troppo complesso" in message or "al massimo 10000 caratteri" in message
        data = {"body": body, "stance": "", "parent": "", "paragraph": "", "next": url}
        saved = web.post(url, data, token_from=url)
        assert saved.status_code == 422
        assert message.replace("'", "&#39;") in saved.get_data(as_text=True)


def test_too_many_previews_are_refused_with_a_wait(as_):
    web = as_("member")
    token = web.token("/")
    answers = [ask(web, "comment", f"testo {n}", token) for n in range(preview.PREVIEW_BURST + 3)]
    assert all(a.status_code == 200 for a in answers[: preview.PREVIEW_BURST])
    refused = answers[-1]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.get_json()["message"].startswith("Troppe anteprime in poco tempo")
    other = as_("member2")  # the limit is each person's own
    assert ask(other, "comment", "testo", other.token("/")).status_code == 200


def test_the_buckets_refill_and_forget_the_full_ones():
    buckets = preview.Buckets(rate=1000.0, burst=2, most_keys=1)
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert 0 < buckets.take("a") <= 0.001
    assert buckets.take("b") == 0  # over most_keys: the full ones are forgotten
    assert len(buckets._tokens) <= 2


def test_the_writing_boxes_carry_the_toolbar_and_their_preview(as_, council):
    proposal = make_proposal(council.stakeholder)
    web = as_("member")
    pages = {
        f"/proposals/{proposal.id}": "/preview/comment",
        f"/proposals/{proposal.id}/comments/new?paragraph=1": "/preview/comment",
        f"/proposals/{proposal.id}/amendments/new": "/preview/amendment",
        "/proposals/new": "/preview/proposal",
    }
    for path, url in pages.items():
        page = web.get(path).get_data(as_text=True)
        assert f'data-preview-url="{url}"' in page, path
        assert 'role="toolbar" aria-label="Formattazione"' in page, path
        assert 'aria-label="Grassetto"' in page and "js/editor.js" in page, path
        assert "data-md-bar hidden" in page, path  # without JavaScript, the textarea alone
