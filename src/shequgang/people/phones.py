"""Phone numbers, validated with libphonenumber (mobile and fixed lines, China by default)
and stored in E.164."""

from __future__ import annotations

import phonenumbers

from shequgang.errors import DomainError


def normalize_phone(raw: str, *, region: str = "CN") -> str:
    """E.164 form of ``raw`` ("+8613812345678"). Raises DomainError ``invalid_phone``."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise DomainError("invalid_phone", f"电话号码无效：{text}") from None
    if not phonenumbers.is_valid_number(number):
        raise DomainError("invalid_phone", f"电话号码无效：{text}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_phone(e164: str) -> str:
    """The number as people in China write it: 13812345678, 03588881234."""
    number = phonenumbers.parse(e164, None)
    if number.country_code == 86:
        national = str(number.national_number)
        return national if national.startswith("1") else "0" + national
    return e164
