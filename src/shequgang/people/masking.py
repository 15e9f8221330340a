"""How personal data is shown to people who may not see it in full."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """``141102199001011234`` → ``1411**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(national: str) -> str:
    """``13812345678`` → ``138****5678``; fixed lines keep area code and last 4."""
    if len(national) <= 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_text(value: str, keep: int = 6) -> str:
    """Addresses: the first ``keep`` characters (city, county), the rest hidden."""
    if len(value) <= keep:
        return value
    return value[:keep] + "*" * min(8, len(value) - keep)


def mask_name(value: str) -> str:
    """Names in the audit log, which is never rewritten: ``张三丰`` → ``张**``. The log
    must not keep a person's name after their record is anonymised (PIPL Art. 47)."""
    if not value:
        return value
    return value[0] + "*" * min(4, max(1, len(value) - 1))
