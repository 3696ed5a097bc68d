"""No text costs more than the work budget to render (council/markdown_guard.py): the hostile
corpus at every field's longest length converts or is refused within the budget, a refused
text is refused before anything is stored, a text the council would write is accepted, and
what was written is read back without converting it again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from council import markdown, rendered_texts
from council.domain.discussion import comment_rules, comments
from council.errors import ValidationError
from council.extensions import db
from council.markdown_guard import MAX_DEPTH, GuardedMarkdown, TooComplex
from council.models.comment import Comment
from council.models.proposal import Proposal
from council.models.rendered_text import RenderedText
from council.unit_of_work import unit_of_work
from tests.domain.test_markdown import assert_harmless
from tests.hostile_markdown import FIELDS, SHAPES, corpus, council_prose, count_conversions

LIMITS = sorted({(limit, budget) for limit, budget in FIELDS.values()})


def post(author, proposal, body: str) -> Comment:
    with unit_of_work() as session:
        return comments.post_comment(session, author, session.get(Proposal, proposal.id), body)


@pytest.fixture
def conversions(monkeypatch):
    return count_conversions(monkeypatch)


@pytest.mark.parametrize("limit,budget", LIMITS)
def test_every_hostile_shape_at_a_fields_limit_stops_within_the_budget(limit, budget):
    converter = GuardedMarkdown()
    for name, text in corpus(limit).items():
        converter.reset()
        try:
            converter.convert_within(text, budget)
        except TooComplex as refused:
            # stopped at the first charge past the budget, before doing that step
            meter = converter.meter
            assert str(refused) != "cpu", name
            assert meter.spent - meter.last <= budget, name
            converter = GuardedMarkdown()


def test_the_shapes_that_took_seconds_are_refused_or_cheap():
    """20,000 characters of `[a](` took 19 s, `![a](` and `<a ` (the raw-HTML block parser)
    and backtick runs alike: the openers are refused within the budget; HTML is no longer
    parsed as blocks and images (which the sanitizer drops) no longer parsed at all, so `<a `
    and `![a](` are text as typed."""
    for name in ("link openers", "backtick runs", "noise"):
        with pytest.raises(TooComplex):
            GuardedMarkdown().convert_within(SHAPES[name](50_000))
    html, _spent = GuardedMarkdown().convert_within(SHAPES["HTML openers"](50_000))
    assert html.startswith("<p>&lt;a &lt;a")
    html, _spent = GuardedMarkdown().convert_within(SHAPES["image openers"](50_000))
    assert html.startswith("<p>![a](![a](")


def test_nesting_deeper_than_the_limit_is_refused():
    deep = "".join("    " * i + "- x\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(TooComplex, match="depth"):
        GuardedMarkdown().convert_within(deep)
    shallow = "".join("    " * i + "- x\n" for i in range(5))
    assert GuardedMarkdown().convert_within(shallow)[0].count("<ul>") == 5


def test_what_the_council_writes_is_accepted_at_every_fields_limit():
    for name, (limit, budget) in FIELDS.items():
        text = council_prose(limit)
        _html, spent = GuardedMarkdown().convert_within(text, budget)
        assert spent < 0.9 * budget, (name, spent)


def test_the_read_path_shows_every_hostile_shape_harmlessly():
    for text in corpus(comment_rules.MAX_BODY).values():
        html = str(markdown.render(text))
        assert_harmless(html)
        assert html.strip() or not text.strip()


def test_a_refused_text_is_shown_as_typed_escaped():
    text = "[a](" * 12_000 + "\n\n<script>alert(1)</script>"
    html = str(markdown.render(text))
    assert html.startswith("<p>[a]([a](")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert markdown.plain(text, 20) == "[a]([a]([a]([a](…" or len(markdown.plain(text, 20)) <= 20


def test_a_comment_over_the_budget_is_refused_before_anything_is_stored(app, proposal, member):
    hostile = SHAPES["link openers"](comment_rules.MAX_BODY)
    with pytest.raises(ValidationError) as refused:
        post(member, proposal, hostile)
    assert refused.value.field == "body"
    assert "troppo complesso" in refused.value.message or "too complex" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_a_text_written_past_the_forms_is_refused_at_the_flush(app, proposal, member):
    """The forms check first; the flush refuses whatever a path without the check writes."""
    comment = post(member, proposal, "Sono d'accordo.")
    with pytest.raises(ValidationError), unit_of_work() as session:
        session.get(Comment, comment.id).body = SHAPES["link openers"](8_000)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Sono d'accordo."


def test_a_written_text_is_rendered_once_and_read_without_converting(
    app, proposal, member, conversions
):
    body = "Sono **d'accordo**, con [una nota](https://example.org)."
    post(member, proposal, body)
    stored = db.session.get(RenderedText, markdown.digest(body))
    assert "<strong>d'accordo</strong>" in stored.html
    assert stored.plain == "Sono d'accordo, con una nota."
    markdown.kept.clear()
    conversions.made = 0
    assert "<strong>" in str(markdown.render(body))
    assert markdown.plain(body, 12) == "Sono…"
    assert conversions.made == 0


def test_every_paragraph_of_a_version_is_stored_for_the_proposal_page(app, proposal):
    version_body = db.session.scalar(
        select(RenderedText.html).where(RenderedText.digest == markdown.digest(
            markdown.paragraphs(proposal.versions[0].body)[0]))
    )  # fmt: skip
    assert version_body is not None and "<strong>punto di ascolto</strong>" in version_body


def test_texts_stored_before_the_budget_are_rendered_by_the_command(app, proposal, member):
    """A text written before this version (no stored rendering) is rendered by
    `flask texts render` (and migration 0010); one over the budget is kept as typed."""
    comment = post(member, proposal, "Favorevole.")
    hostile = SHAPES["link openers"](comment_rules.MAX_BODY)
    with unit_of_work() as session:  # as an older version stored it: no flush, no check
        session.execute(update(Comment).where(Comment.id == comment.id).values(body=hostile))
        session.execute(RenderedText.__table__.delete())
    with db.engine.begin() as connection:
        assert rendered_texts.render_all(connection) >= 2
    markdown.kept.clear()
    stored = db.session.get(RenderedText, markdown.digest(hostile))
    assert stored.html.startswith("<p>[a]([a](")
    with db.engine.begin() as connection:
        assert rendered_texts.render_all(connection) == 0
