"""The one free-text rule, at its boundaries, from a service and from a form."""

from __future__ import annotations

import pytest
from django import forms

from shequgang.errors import DomainError
from shequgang.text_rules import RuleTextField, TextInvalid, text_clean


def clean(value: str | None, *, required: bool = True, **kwargs: bool) -> str:
    return text_clean(value, field="reason", label="理由", limit=5, required=required, **kwargs)


def test_a_text_of_exactly_the_limit_is_kept_trimmed() -> None:
    assert clean("  一二三四五 \n") == "一二三四五"


def test_one_character_past_the_limit_is_too_long() -> None:
    with pytest.raises(TextInvalid) as err:
        clean("一二三四五六")

    assert (err.value.code, err.value.message, err.value.status) == (
        "reason_too_long",
        "理由不能超过5个字",
        400,
    )
    assert isinstance(err.value, DomainError)


def test_whitespace_around_does_not_count_toward_the_limit() -> None:
    assert clean("\u3000 一二三四五 \t") == "一二三四五"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None])
def test_a_required_text_of_only_whitespace_is_missing(blank: str | None) -> None:
    with pytest.raises(TextInvalid) as err:
        clean(blank)

    assert (err.value.code, err.value.message) == ("reason_required", "请填写理由")


def test_an_optional_text_may_be_empty() -> None:
    assert clean("   ", required=False) == ""


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\ud800"])
def test_nul_or_a_lone_surrogate_is_unstorable(bad: str) -> None:
    with pytest.raises(TextInvalid) as err:
        clean(bad, required=False)

    assert (err.value.code, err.value.message) == ("reason_unstorable", "理由含有无法保存的字符")


def test_collapse_spaces_makes_one_line_before_counting() -> None:
    assert clean(" 一  二\n\n三 ", collapse_spaces=True) == "一 二 三"
    with pytest.raises(TextInvalid):
        clean("一 二 三 四", collapse_spaces=True)  # 7 characters once collapsed


class ReasonForm(forms.Form):
    reason = RuleTextField(label="理由", limit=5)
    note = RuleTextField(label="备注", limit=3, required=False)


@pytest.mark.parametrize(
    ("data", "field", "message", "code"),
    [
        ({"reason": "一二三四五六"}, "reason", "理由不能超过5个字", "too_long"),
        ({"reason": "  "}, "reason", "请填写理由", "required"),
        ({}, "reason", "请填写理由", "required"),
        ({"reason": "好", "note": "a\x00"}, "note", "备注含有无法保存的字符", "unstorable"),
        ({"reason": "好", "note": "一二三四"}, "note", "备注不能超过3个字", "too_long"),
    ],
)
def test_the_form_field_refuses_with_the_same_messages(
    data: dict[str, str], field: str, message: str, code: str
) -> None:
    form = ReasonForm(data)

    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert form.has_error(field, code)


def test_the_form_field_keeps_the_limit_and_trims() -> None:
    form = ReasonForm({"reason": " 一二三四五 ", "note": ""})

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"reason": "一二三四五", "note": ""}
    assert 'maxlength="5"' in str(form["reason"])
