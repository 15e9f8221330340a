import datetime as dt

import pytest

from shequgang.errors import DomainError
from shequgang.people.id_numbers import check_character, make_id_number, parse_id_number

# A published GB 11643 worked example.
VALID = "11010519491231002X"


def test_known_valid_number_decodes_birth_date_and_sex():
    parsed = parse_id_number(VALID)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even
    assert parse_id_number("11010519491231002x").value == VALID  # lower-case x accepted


def test_male_from_odd_sequence_digit():
    number = make_id_number("141102", dt.date(1965, 12, 31), 13)
    assert parse_id_number(number).sex == "M"


@pytest.mark.parametrize("wrong", "0123456789")
def test_every_wrong_check_digit_is_rejected(wrong):
    if wrong == VALID[-1]:
        return
    with pytest.raises(DomainError) as err:
        parse_id_number(VALID[:-1] + wrong)
    assert err.value.code == "id_number_checksum"


def test_february_30th_is_not_a_birth_date():
    first17 = "14110219900230001"
    with pytest.raises(DomainError) as err:
        parse_id_number(first17 + check_character(first17))
    assert err.value.code == "id_number_birth_date"


def test_birth_date_boundaries_today_and_tomorrow():
    today = dt.date(2026, 11, 29)
    born_today = make_id_number("141102", today, 1)
    assert parse_id_number(born_today, today=today).birth_date == today
    with pytest.raises(DomainError) as err:
        parse_id_number(make_id_number("141102", today + dt.timedelta(days=1), 1), today=today)
    assert err.value.code == "id_number_birth_date"


@pytest.mark.parametrize(
    "raw", ["", "1234", "11010519491231002Y", "1101051949123100 2X1", "X1010519491231002"]
)
def test_malformed_numbers(raw):
    with pytest.raises(DomainError) as err:
        parse_id_number(raw)
    assert err.value.code == "id_number_format"


def test_unknown_area_code_is_accepted():
    # 999999 is no GB/T 2260 code; people keep numbers from retired codes.
    number = make_id_number("999999", dt.date(1980, 1, 1), 5)
    assert parse_id_number(number).value == number


def test_full_width_input_is_normalized_and_other_digits_refused():
    full_width = VALID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert parse_id_number(full_width).value == VALID
    arabic_indic = "١" + VALID[1:]  # a digit to \\d but not to GB 11643
    with pytest.raises(DomainError) as err:
        parse_id_number(arabic_indic)
    assert err.value.code == "id_number_format"
