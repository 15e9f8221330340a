import pytest

from shequgang.errors import DomainError
from shequgang.people.masking import mask_id_number, mask_phone, mask_text
from shequgang.people.phones import national_phone, normalize_phone


def test_mobile_and_fixed_line_normalize_to_e164():
    assert normalize_phone("138 1234 5678") == "+8613812345678"
    assert normalize_phone("+86 138-1234-5678") == "+8613812345678"
    assert normalize_phone("0358-8221234") == "+863588221234"  # 吕梁 area code 0358
    assert national_phone("+8613812345678") == "13812345678"
    assert national_phone("+863588221234") == "03588221234"


@pytest.mark.parametrize("raw", ["", "12345", "1381234567", "abc", "+86 999"])
def test_invalid_phones(raw):
    with pytest.raises(DomainError) as err:
        normalize_phone(raw)
    assert err.value.code == "invalid_phone"


def test_masks():
    assert mask_id_number("141102199001011234") == "1411**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_text("山西省吕梁市离石区滨河街道") == "山西省吕梁市*******"
    assert mask_text("吕梁") == "吕梁"
