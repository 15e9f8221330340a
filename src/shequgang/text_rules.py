"""The one rule for free text typed by people: trimmed, required or not, at most ``limit``
characters, storable — with one Chinese message per error.

Services call :func:`text_clean` and get a :class:`TextInvalid` (a ``DomainError``, 400)
whose code names the field: ``<field>_required``, ``<field>_too_long`` or
``<field>_unstorable``. Django forms use :class:`RuleTextField`, which applies the same
rule and shows the same messages, so a page and the API refuse the same input with the
same words. The limit counts characters (汉字 and letters alike) after trimming.

The messages:

- empty (after trimming) when required: ``请填写{label}``;
- longer than the limit: ``{label}不能超过{limit}个字``;
- NUL or a lone surrogate (``storable.text_storable``): ``{label}含有无法保存的字符``.

Such characters are normally refused at the edge (the API parser and the page middleware,
code ``invalid_text``) before any view runs; the rule checks again so a service called
from a command, a task or a test keeps the same guarantee.
"""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.core.exceptions import ValidationError

from shequgang.errors import DomainError
from shequgang.storable import text_storable

Problem = Literal["required", "too_long", "unstorable"]


def required_message(label: str) -> str:
    """The message for an empty required text."""
    return f"请填写{label}"


def too_long_message(label: str, limit: int) -> str:
    """The message for a text longer than ``limit`` characters."""
    return f"{label}不能超过{limit}个字"


def unstorable_message(label: str) -> str:
    """The message for a text with a NUL or a lone surrogate."""
    return f"{label}含有无法保存的字符"


class TextInvalid(DomainError):
    """A text broke the rule. ``code`` is ``<field>_<problem>``; ``problem`` is one of
    ``required``, ``too_long``, ``unstorable``; ``message`` is the rule's message."""

    def __init__(self, *, field: str, problem: Problem, message: str) -> None:
        super().__init__(f"{field}_{problem}", message, status=400)
        self.field = field
        self.problem: Problem = problem


def text_problem(value: str, *, limit: int, required: bool) -> Problem | None:
    """What is wrong with an already trimmed ``value``, or None when it keeps the rule."""
    if not text_storable(value):
        return "unstorable"
    if required and not value:
        return "required"
    if len(value) > limit:
        return "too_long"
    return None


def _message(problem: Problem, *, label: str, limit: int) -> str:
    if problem == "required":
        return required_message(label)
    if problem == "too_long":
        return too_long_message(label, limit)
    return unstorable_message(label)


def text_trimmed(value: str | None, *, collapse_spaces: bool = False) -> str:
    """``value`` without surrounding whitespace (``None`` → ``""``); with
    ``collapse_spaces`` every inner run of whitespace (line breaks included) becomes one
    space, for one-line texts such as a reason shown in a ledger row."""
    text = value or ""
    return " ".join(text.split()) if collapse_spaces else text.strip()


def text_clean(
    value: str | None,
    *,
    field: str,
    label: str,
    limit: int,
    required: bool = False,
    collapse_spaces: bool = False,
) -> str:
    """``value`` trimmed (see :func:`text_trimmed`), or ``TextInvalid``:
    ``<field>_unstorable`` for a NUL or lone surrogate, ``<field>_required`` when
    ``required`` and nothing but whitespace was given, ``<field>_too_long`` past ``limit``
    characters (``limit`` itself is allowed)."""
    text = text_trimmed(value, collapse_spaces=collapse_spaces)
    problem = text_problem(text, limit=limit, required=required)
    if problem is not None:
        raise TextInvalid(
            field=field, problem=problem, message=_message(problem, label=label, limit=limit)
        )
    return text


class RuleTextField(forms.CharField):
    """A form field for free text under the same rule and messages as :func:`text_clean`.

    ``label`` names the field in the messages; ``limit`` also becomes the input's
    ``maxlength``. The cleaned value is trimmed (and collapsed with ``collapse_spaces``);
    a validation error's ``code`` is the problem (``required``, ``too_long``,
    ``unstorable``).
    """

    def __init__(
        self,
        *,
        label: str,
        limit: int,
        required: bool = True,
        collapse_spaces: bool = False,
        **kwargs: Any,
    ) -> None:
        self.limit = limit
        self.collapse_spaces = collapse_spaces
        kwargs.setdefault("max_length", limit)
        super().__init__(label=label, required=required, **kwargs)

    def clean(self, value: Any) -> str:
        text = value if isinstance(value, str) or value is None else str(value)
        try:
            return text_clean(
                text,
                field="text",
                label=str(self.label),
                limit=self.limit,
                required=self.required,
                collapse_spaces=self.collapse_spaces,
            )
        except TextInvalid as exc:
            raise ValidationError(exc.message, code=exc.problem) from None
