"""Field-level encryption for personal data.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
``settings.FIELD_KEYS`` (newest first; older keys still decrypt, so keys can rotate).
Exact lookups and de-duplication go through a blind index: HMAC-SHA256 of the normalized
value under a separate key, so equal values match without the database ever seeing them.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in settings.FIELD_KEYS])


@cache
def _index_key() -> bytes:
    if settings.BLIND_INDEX_KEY:
        return settings.BLIND_INDEX_KEY.encode()
    # Derived from the oldest field key, so adding a new key does not move the index.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"shequgang blind index"
    ).derive(settings.FIELD_KEYS[-1].encode())


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("personal data cannot be decrypted with the configured keys") from None


def blind_index(purpose: str, normalized: str) -> str:
    """A 64-hex digest; ``purpose`` ("id_number", "phone") keeps indexes apart."""
    return hmac.new(_index_key(), f"{purpose}:{normalized}".encode(), hashlib.sha256).hexdigest()


def reset_caches() -> None:
    """For tests that change the keys."""
    _fernet.cache_clear()
    _index_key.cache_clear()
