"""The neutraliser at each boundary: every trigger as the first character is quoted, the
same character anywhere else is not, and our own quote comes off again on reading."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from shequgang.spreadsheets.cells import LEADING_TRIGGERS, QUOTE, neutralise, restore

ASCII_TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
FULL_WIDTH = ["＝", "＋", "－", "＠"]


@pytest.mark.parametrize("trigger", ASCII_TRIGGERS + FULL_WIDTH)
def test_a_leading_trigger_is_quoted(trigger: str) -> None:
    assert neutralise(trigger + "1+1") == QUOTE + trigger + "1+1"
    assert neutralise(trigger) == QUOTE + trigger  # the character alone too


@pytest.mark.parametrize("trigger", ASCII_TRIGGERS + FULL_WIDTH)
def test_the_same_character_after_the_first_is_left_alone(trigger: str) -> None:
    assert neutralise("a" + trigger + "1") == "a" + trigger + "1"


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty
        " =1+1",  # a leading space: every program reads it as text
        "\n=1+1",  # a line feed is not a trigger (OWASP lists tab and CR)
        "'=1+1",  # already quoted by its author
        "张三",
        "13800000000",
        "−5",  # U+2212 MINUS SIGN does not fold to "-"
        "#N/A",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_the_triggers_are_exactly_the_characters_that_fold_to_one() -> None:
    # Full-width and other compatibility forms: everything whose NFKC form is = + - @.
    folding = {
        chr(i)
        for i in range(sys.maxunicode + 1)
        if unicodedata.normalize("NFKC", chr(i)) in {"=", "+", "-", "@"}
    }
    assert folding | {"\t", "\r"} == LEADING_TRIGGERS


def test_control_characters_xml_cannot_carry_are_replaced() -> None:
    assert neutralise("a\x00b\x1fc\td") == "a\ufffdb\ufffdc\td"
    assert neutralise("\x01=1") == "\ufffd=1"


@pytest.mark.parametrize("trigger", ASCII_TRIGGERS + FULL_WIDTH)
def test_restore_undoes_the_quote(trigger: str) -> None:
    text = trigger + "SUM(A1)"
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["'", "'abc", "''=1", "abc"])
def test_restore_keeps_an_authors_own_quote(text: str) -> None:
    assert restore(text) == text
