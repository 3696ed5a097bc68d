"""User text: hostile markdown and HTML never survive council.markdown.render(). Each output is
parsed as a browser would, and every tag, attribute and link is checked against the allow-list."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from council.markdown import ALLOWED_TAGS, paragraphs, plain, render

REL = "nofollow noopener noreferrer"
SAFE_SCHEMES = {"", "http", "https", "mailto"}
ATTRIBUTES = {"a": {"href", "title", "rel"}, "th": {"align"}, "td": {"align"}}


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def assert_harmless(html: str) -> None:
    for tag, attrs in parse(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived: {html}"
        for name, value in attrs.items():
            assert name in ATTRIBUTES.get(tag, set()), f"{name}= on <{tag}> survived: {html}"
            assert not name.startswith("on") and name != "style"
            if name == "href":
                # as a browser reads it: tabs and newlines dropped, outer spaces trimmed
                url = "".join(ch for ch in (value or "") if ch not in "\t\n\r").strip()
                assert urlsplit(url).scheme.lower() in SAFE_SCHEMES, f"href={value!r}: {html}"
        if tag == "a":
            assert attrs.get("rel") == REL, html


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object><embed src=x.swf>',
    "<style>body { display: none }</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onclick="alert(1)">click</div>',
    '<a href="#" onmouseover="alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<input autofocus onfocus=alert(1)>",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x]: javascript:alert(1)\n\n[y][x]",
    "![img](javascript:alert(1))",
    "![img](https://evil.example/pixel.png)",
    '<https://example.org" onclick="alert(1)>',
    '[x](https://example.org "title" onclick=alert(1))',
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>\n- [x](javascript:alert(1))",
    "| a | b |\n|---|---|\n| <script>x</script> | <a href=javascript:x>y</a> |",
    '<table><tr><td style="x" onclick="y">1</td></tr></table>',
    "<h1 onclick=alert(1)>Title</h1>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    '<a href="https://example.org" target="_blank">ok</a>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    '<video><source onerror="alert(1)"></video>',
    "<body onload=alert(1)>",
    "<x onclick=alert(1)>custom</x>",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_never_survives(source):
    html = str(render(source))
    assert_harmless(html)
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_survives_neither_inside_a_longer_text(source):
    html = str(render(f"Premessa.\n\n{source}\n\n**Conclusione** con [link](https://ok.example)."))
    assert_harmless(html)
    assert "Conclusione" in html  # (an unclosed raw block may swallow its formatting)


def test_links_get_rel_and_keep_safe_targets():
    html = str(render('[Comune](https://www.comune.brescia.it) e <a href="mailto:a@b.it">mail</a>'))
    assert '<a href="https://www.comune.brescia.it" rel="nofollow noopener noreferrer">' in html
    assert 'href="mailto:a@b.it"' in html
    assert_harmless(html)


def test_raw_html_is_dropped_or_escaped_but_markdown_works():
    html = str(render("# Titolo\n\n*corsivo* **grassetto**\n\n- uno\n- due\n\n<b>ok</b>"))
    assert "<h2>Titolo</h2>" in html  # the page owns <h1>
    assert "<em>corsivo</em>" in html and "<strong>grassetto</strong>" in html
    assert "<li>uno</li>" in html
    assert "<h1" not in html


def test_paragraph_blocks_and_plain_excerpts():
    text = "Primo.\n\n```\ncodice\n\nancora codice\n```\n\nTerzo <script>x</script>."
    assert paragraphs(text) == [
        "Primo.",
        "```\ncodice\n\nancora codice\n```",
        "Terzo <script>x</script>.",
    ]
    assert "<" not in plain("**Forte** <script>alert(1)</script> testo")
    assert len(plain("parola " * 100, limit=50)) <= 50


def test_conversions_at_once_each_get_their_own_converter():
    """Converters are reused from a pool; two conversions at once must never share one
    (its state would mix two texts)."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [
        f"Testo {n}\n\n" + "\n\n".join(f"- voce {n}.{k} **forte** e `codice`" for k in range(40))
        for n in range(24)
    ]
    alone = [plain(text, limit=100_000) for text in texts]
    with ThreadPoolExecutor(12) as pool:
        together = list(pool.map(lambda text: plain(text, limit=100_000), texts * 4))
    assert together == alone * 4
    assert all(f"voce {n}.39" in alone[n] and f"voce {n + 1}." not in alone[n] for n in range(23))
