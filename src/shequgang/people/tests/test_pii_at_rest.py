"""No plaintext ID number or phone number reaches the database."""

from django.db import connection

from shequgang.people import pii
from shequgang.people.models import Resident
from shequgang.people.services import ResidentInput, id_number_index, resident_create
from shequgang.testing import synthetic_id


def test_raw_table_holds_no_plaintext(world):
    id_number = synthetic_id()
    resident = resident_create(
        actor=world.admin,
        data=ResidentInput(
            name="张三",
            household=world.household_a1,
            id_number=id_number,
            phone="13912345678",
            address="山西省吕梁市离石区滨河街道某某路8号",
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_resident")
        rows = cursor.fetchall()
        cursor.execute("SELECT changes FROM audit_auditentry")
        audit = cursor.fetchall()
    dump = repr(rows) + repr(audit)
    for secret in (id_number, id_number[:-1], "13912345678", "+8613912345678", "某某路8号"):
        assert secret not in dump
    # What is stored: ciphertext that decrypts, a blind index, and the masked form.
    resident.refresh_from_db()
    assert pii.decrypt(resident.id_number_cipher) == id_number
    assert resident.id_number_index == id_number_index(id_number)
    assert resident.id_number_masked == id_number[:4] + "*" * 10 + id_number[-4:]
    assert resident.phone_masked == "139****5678"


def test_ciphertexts_differ_for_equal_values_but_blind_index_matches(world):
    a = pii.encrypt("13912345678")
    b = pii.encrypt("13912345678")
    assert a != b
    assert pii.blind_index("phone", "x") == pii.blind_index("phone", "x")
    assert pii.blind_index("phone", "x") != pii.blind_index("id_number", "x")
    assert (
        Resident.objects.filter(phone_index=pii.blind_index("phone", "+8613800000001")).count() == 1
    )
