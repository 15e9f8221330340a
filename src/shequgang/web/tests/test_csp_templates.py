"""No template may bring back what the Content-Security-Policy forbids: an inline script, a
``style`` attribute or block, an inline event handler (``onclick=``, htmx's ``hx-on``) or a
``javascript:`` URL. The policy would block them in the browser (the page silently breaks);
this scan fails first, naming the file and line. Scripts and styles live in static files;
a figure that drives a drawing goes into an attribute (an SVG length) or a class."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import shequgang

SRC = Path(shequgang.__file__).resolve().parent
TEMPLATES = sorted(SRC.glob("**/templates/**/*.html"))

# A start tag; quoted values may hold ">" (hx-trigger="... from:input[type=search]").
_TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Attribute names the policy forbids: style, on<event>, hx-on / data-hx-on (htmx evaluates
# their value as a function, which needs 'unsafe-eval').
_FORBIDDEN_ATTR = re.compile(r"(?<![\w-])(style|on[a-z]+|(?:data-)?hx-on[\w:.-]*)\s*=", re.I)
_SCRIPT = re.compile(r"<script\b((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>(.*?)</script\s*>", re.I | re.S)
_JS_URL = re.compile(r"[\"'=]\s*javascript:", re.I)
# htmx evaluates "js:" values (hx-vals, hx-headers) with eval.
_HX_JS_VALUE = re.compile(r"hx-(?:vals|vars|headers)\s*=\s*[\"']\s*(?:js|javascript):", re.I)


def inline_code(text: str) -> list[tuple[int, str]]:
    """Every place in a template's text that the policy would block, as (line, what)."""

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    found: list[tuple[int, str]] = []
    for tag in _TAG.finditer(text):
        name, attrs = tag.group(1).lower(), tag.group(2)
        if name == "style":
            found.append((line(tag.start()), "<style> block"))
        # Quoted values are dropped first, so a URL such as "?only=1" is not an attribute.
        for attr in _FORBIDDEN_ATTR.finditer(_QUOTED.sub('""', attrs)):
            found.append((line(tag.start()), f"{attr.group(1)}= attribute on <{name}>"))
    for script in _SCRIPT.finditer(text):
        attrs, body = script.group(1), script.group(2)
        if body.strip() or not re.search(r"(?<![\w-])src\s*=", attrs, re.I):
            found.append((line(script.start()), "inline <script>"))
    for match in _JS_URL.finditer(text):
        found.append((line(match.start()), "javascript: URL"))
    for match in _HX_JS_VALUE.finditer(text):
        found.append((line(match.start()), "htmx js: value"))
    return sorted(set(found))


def test_the_scan_sees_the_templates():
    # Given the source tree, the glob finds the templates of every app with pages
    apps = {path.relative_to(SRC).parts[0] for path in TEMPLATES}
    assert {"web", "cases", "people", "places", "points", "party", "veterans"} <= apps
    assert len(TEMPLATES) > 50


def test_no_template_holds_inline_script_style_or_handlers():
    # When every template is scanned
    offences = [
        f"{path.relative_to(SRC)}:{lineno}: {what}"
        for path in TEMPLATES
        for lineno, what in inline_code(path.read_text(encoding="utf-8"))
    ]
    # Then none holds anything the Content-Security-Policy would block
    assert offences == [], "move these to static files (see settings: CONTENT_SECURITY_POLICY)"


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<script type='module'>\n import x from '/static/x.js'\n</script>",
        '<script src="/static/a.js">alert(1)</script>',
        "<style>.a { color: red }</style>",
        '<img src="/a.png" style="max-width: 12rem">',
        '<span class="x" {% if a %}style="width: {{ w }}"{% endif %}></span>',
        "<div STYLE='left: 3%'></div>",
        '<button onclick="go()">去</button>',
        '<select name="a" onchange="this.form.submit()">',
        '<div id="c" hx-on::before-swap="event.detail.shouldSwap = true">',
        '<form hx-on:htmx:after-request="reset()">',
        '<div data-hx-on:click="x()">',
        '<a href="javascript:void(0)">',
        "<button hx-post=\"/x\" hx-vals='js:{a: b()}'>",
    ],
)
def test_the_scan_catches_each_kind_of_inline_code(snippet):
    assert inline_code(f"<p>前文</p>\n{snippet}\n<p>后文</p>") != []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'grid/patrol.js' %}\" defer></script>",
        '<link rel="stylesheet" href="{% static \'web/site.css\' %}">',
        '<a href="/cases/?only=open&onset=1">只看在办</a>',
        '<div hx-get="/x" hx-trigger="input delay:500ms from:input[type=search]">',
        '<svg viewBox="0 0 100 10"><rect class="met" width="{{ c.percent|cut:\'%\' }}"></rect></svg>',
        '<p>请在 style 和 onclick 之外写说明：data-swap-errors="400"</p>',
        '<body hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'>',
        '<td class="{% if c.met %}met{% else %}unmet{% endif %}">',
    ],
)
def test_the_scan_passes_what_the_policy_allows(snippet):
    assert inline_code(snippet) == []
