"""The minutes as a PDF fit to file officially: A4 with margins, the council's name at the top of
every page, "pagina N di M" and (once approved) the record's anchor at the bottom, and after the
text the approval with the anchor in full, how to check it, and the text's SHA-256.

Always in the council's language, like the text itself. fpdf2 writes it with DejaVu embedded
(Unicode: accents, «» and “” print as typed); the fonts come from Debian (`make fonts`).
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import TextStyle

from council import markdown, plain_text
from council.domain.archive.minutes_text import official_locale
from council.minutes_print import printable
from council.models.minutes import Minutes
from council.rendered_texts import minutes_title

SERIF = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf",
         "BI": "DejaVuSerif-BoldItalic.ttf"}  # fmt: skip
MONO = "DejaVuSansMono.ttf"
INK, GREY, DRAFT_RED = (20, 20, 20), (90, 90, 90), (160, 0, 0)
LEFT, TOP, RIGHT, BOTTOM = 25, 22, 20, 28  # mm: room to bind on the left, and for the footer
STYLES = {
    "h2": TextStyle(font_family="serif", font_style="B", font_size_pt=13, t_margin=4, b_margin=2),
    "h3": TextStyle(font_family="serif", font_style="B", font_size_pt=11, t_margin=3, b_margin=1.5),
    "h4": TextStyle(font_family="serif", font_style="B", font_size_pt=11, t_margin=3, b_margin=1.5),
    "blockquote": TextStyle(font_family="serif", font_style="I", color=INK, l_margin=8),
}
# A text's PDF is made once per process (it takes a second or two): approved minutes never
# change, and a draft's key holds its text's SHA-256, so every reader after the first is served
# what was made.
_CACHE: dict[tuple, bytes] = {}
_CACHE_SIZE = 32
_cache_lock = threading.Lock()


class FontsMissing(RuntimeError):
    """The DejaVu fonts are not where PDF_FONT_DIR says."""


class _Sheet(FPDF):
    def __init__(self, council: str, footer_text: str, anchor: str, draft: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.council, self.footer_text, self.anchor, self.draft = (
            council,
            footer_text,
            anchor,
            draft,
        )
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, margin=BOTTOM)

    def header(self) -> None:
        self.set_font("serif", "B", 10)
        self.set_text_color(*INK)
        self.cell(0, 5, self.council, new_x="LMARGIN", new_y="NEXT")
        if self.draft:
            self.set_text_color(*DRAFT_RED)
            self.cell(0, 5, _("DRAFT: NOT APPROVED"), new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*GREY)
        self.line(LEFT, self.get_y() + 1, self.w - RIGHT, self.get_y() + 1)
        self.set_y(self.get_y() + 5)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-BOTTOM + 8)
        self.set_draw_color(*GREY)
        self.line(LEFT, self.get_y(), self.w - RIGHT, self.get_y())
        self.set_text_color(*GREY)
        self.set_font("serif", "", 8)
        self.cell(0, 5, self.footer_text, new_x="LMARGIN", new_y="NEXT")
        if self.anchor:
            self.set_font("mono", "", 6.5)
            self.cell(0, 4, self.anchor, new_x="LMARGIN", new_y="NEXT")
        self.set_font("serif", "", 8)
        self.cell(0, 5, _("page %(n)d of %(total)s", n=self.page_no(), total="{nb}"), align="R")


def font_dir() -> Path:
    folder = Path(current_app.config["PDF_FONT_DIR"])
    missing = [name for name in [*SERIF.values(), MONO] if not (folder / name).is_file()]
    if missing:
        raise FontsMissing(f"{', '.join(missing)} not in {folder}: run `make fonts`")
    return folder


def verify_url(minutes: Minutes) -> str:
    """The public record page that checks the minutes' anchor."""
    query = urlencode({"anchor_seq": minutes.anchor_seq, "anchor_hash": minutes.anchor_hash})
    return f"{current_app.config['PUBLIC_URL']}/record?{query}"


def render(minutes: Minutes, *, text_url: str) -> bytes:
    """The PDF of the minutes (approved, or a draft marked as such on every page). text_url:
    where the markdown text is published, whose SHA-256 the document states."""
    config = current_app.config
    key = (minutes.id, minutes.approved, minutes.body_sha256, minutes.anchor_hash, text_url,
           official_locale(), config["COUNCIL_NAME"], config["PUBLIC_URL"],
           config["PDF_FONT_DIR"])  # fmt: skip
    with _cache_lock:
        found = _CACHE.get(key)
    if found is None:
        found = _render(minutes, text_url)
        with _cache_lock:
            while len(_CACHE) >= _CACHE_SIZE:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
    return found


def add_fonts(sheet: FPDF) -> None:
    folder = font_dir()
    for style, name in SERIF.items():
        sheet.add_font("serif", style, str(folder / name))
    sheet.add_font("mono", "", str(folder / MONO))


def _render(minutes: Minutes, text_url: str) -> bytes:
    with force_locale(official_locale()):
        meeting_day = format_date(minutes.meeting.starts_at, "d MMMM y")
        title = _("Minutes of the meeting of %(date)s", date=meeting_day)
        anchor = ""
        if minutes.approved:
            footer = _("%(title)s · approved on %(date)s", title=title,
                       date=format_date(minutes.approved_at, "d MMMM y"))  # fmt: skip
            anchor = _("Record anchor: event %(seq)s, hash %(hash)s", seq=minutes.anchor_seq,
                       hash=minutes.anchor_hash)  # fmt: skip
        else:
            footer = _("%(title)s · draft, not approved", title=title)
        sheet = _Sheet(current_app.config["COUNCIL_NAME"], footer, anchor, not minutes.approved)
        add_fonts(sheet)
        moment: datetime = minutes.approved_at or minutes.edited_at or minutes.generated_at
        sheet.set_creation_date(moment)
        sheet.set_title(title)
        sheet.set_author(current_app.config["COUNCIL_NAME"])
        sheet.set_creator("Consiglio")
        sheet.set_lang(official_locale())
        sheet.add_page()
        _body(sheet, minutes.body)
        _attestation(sheet, minutes, text_url)
        return bytes(sheet.output())


def _body(sheet: _Sheet, body: str) -> None:
    """The text: a first "# " line as the document's title, the rest as the page shows it."""
    title, rest = minutes_title(body)
    if title is not None:
        sheet.set_font("serif", "B", 15)
        sheet.multi_cell(0, 7, plain_text.clean(title.replace("\\", "")), align="C",
                         new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        sheet.ln(3)
    sheet.set_font("serif", "", 10.5)
    sheet.set_text_color(*INK)
    html = str(markdown.render(rest))
    if html.count("<") > MAX_PRINTED_TAGS:
        sheet.multi_cell(0, 5, plain_text.clean(markdown.plain(rest, len(rest) + 1)),
                         new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        return
    sheet.write_html(printable(html), font_family="serif", tag_styles=STYLES,
                     li_prefix_color=INK, ul_bullet_char="•")  # fmt: skip


def _mono(sheet: _Sheet, text: str) -> None:
    sheet.set_font("mono", "", 8)
    sheet.multi_cell(0, 4.2, text, align="L", new_x="LMARGIN", new_y="NEXT")
    sheet.set_font("serif", "", 10)


def _line(sheet: _Sheet, text: str, style: str = "") -> None:
    sheet.set_font("serif", style, 10)
    sheet.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")


# fpdf2 lays out a tag in about half a millisecond: a text with more prints its words only
# (a long session's minutes have a few hundred).
MAX_PRINTED_TAGS = 4_000
ATTESTATION_HEIGHT = 105  # mm: the approval is never split across two pages


def _attestation(sheet: _Sheet, minutes: Minutes, text_url: str) -> None:
    if minutes.approved and sheet.get_y() > sheet.h - BOTTOM - ATTESTATION_HEIGHT:
        sheet.add_page()
    sheet.ln(6)
    sheet.set_draw_color(*GREY)
    sheet.line(LEFT, sheet.get_y(), sheet.w - RIGHT, sheet.get_y())
    sheet.ln(3)
    if not minutes.approved:
        _line(sheet, _("Draft, not approved by the council: it may still change."), "B")
        _line(sheet, _("SHA-256 of this text:"))
        _mono(sheet, minutes.body_sha256)
        return
    decision, poll = minutes.approval_decision, minutes.approval_poll
    assert decision is not None and poll is not None  # set with the approval
    _line(sheet, _("Approval"), "B")
    _line(sheet, _("Approved by the council at its meeting of %(date)s (decision no. "
                   "%(number)s), on %(day)s.",
                   date=format_date(poll.meeting.starts_at, "d MMMM y"), number=decision.number,
                   day=format_date(minutes.approved_at, "d MMMM y")))  # fmt: skip
    sheet.ln(2)
    _line(sheet, _("Anchor in the public record, the head of the record at the approval: "
                   "event no. %(seq)s, hash", seq=minutes.anchor_seq))  # fmt: skip
    _mono(sheet, minutes.anchor_hash or "")
    sheet.ln(1)
    _line(sheet, _("How to check it: the record is a chain in which every event's hash covers "
                   "the one before. If this event is still part of today's chain, the council's "
                   "history up to this approval was only added to, never rewritten. Check it on "
                   "the public record page:"))  # fmt: skip
    url = verify_url(minutes)
    sheet.set_font("mono", "", 7)
    sheet.set_text_color(0, 0, 160)
    sheet.multi_cell(0, 3.8, url, link=url, align="L", new_x="LMARGIN", new_y="NEXT")
    sheet.set_text_color(*INK)
    _line(sheet, _("or, with a copy of the platform and of the record:"))
    _mono(
        sheet, f"flask --app app record verify --anchor {minutes.anchor_seq}:{minutes.anchor_hash}"
    )
    sheet.ln(1)
    _line(sheet, _("SHA-256 of the approved text (UTF-8), published at %(url)s:", url=text_url))
    _mono(sheet, minutes.body_sha256)
