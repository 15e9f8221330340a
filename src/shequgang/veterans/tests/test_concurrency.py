"""The same person submitted twice at the same moment: one application, never two.

Real threads on the real database (SQLite queues writers; PostgreSQL lets both read,
then the unique index on the blind index decides)."""

import threading

import pytest
from django.db import connection

from shequgang.errors import DomainError
from shequgang.veterans.models import Application, RepeatSubmission
from shequgang.veterans.receipts import application_submit_anonymous
from shequgang.veterans.services import application_submit
from shequgang.veterans.tests.factories import IN_WINDOW, applicant, ensure_2026_program


def run_at_once(program, submissions):
    barrier = threading.Barrier(len(submissions))
    results: list[object] = [None] * len(submissions)

    def worker(i, data):
        try:
            barrier.wait(timeout=10)
            outcome = application_submit(actor=None, program=program, data=data, now=IN_WINDOW)
            results[i] = ("created" if outcome.created else "replayed", outcome.application.pk)
        except DomainError as exc:
            results[i] = (exc.code, None)
        except Exception as exc:  # surfaced by the assertion below
            results[i] = (repr(exc), None)
        finally:
            # Threads open their own connections; close them so the test database
            # can be dropped.
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, d)) for i, d in enumerate(submissions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_duplicate_submitted_twice_at_once():
    program = ensure_2026_program()
    data = applicant()
    # Same ID number, different phone: a second, different submission.
    other = applicant(id_number=data.id_number, phone="13800138000")
    results = run_at_once(program, [data, other])
    codes = sorted(code for code, _ in results)
    assert codes == ["already_applied", "created"], results
    assert Application.objects.filter(program=program).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_identical_double_tap_gives_both_the_same_application():
    program = ensure_2026_program()
    data = applicant()
    results = run_at_once(program, [data, data, data])
    codes = sorted(code for code, _ in results)
    assert codes == ["created", "replayed", "replayed"], results
    assert len({pk for _, pk in results}) == 1
    assert Application.objects.filter(program=program).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_anonymous_submissions_at_once_enrol_once_and_both_get_a_receipt():
    # The public door: the unique index decides, the loser's answer is a receipt too.
    program = ensure_2026_program()
    data = applicant()
    other = applicant(id_number=data.id_number, phone="13800138000")
    barrier = threading.Barrier(2)
    references: list[str] = []
    errors: list[BaseException] = []

    def worker(d):
        try:
            barrier.wait(timeout=10)
            receipt = application_submit_anonymous(program=program, data=d, now=IN_WINDOW)
            references.append(receipt.reference)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(d,)) for d in (data, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and len(set(references)) == 2
    assert Application.objects.filter(program=program).count() == 1
    assert RepeatSubmission.objects.filter(program=program).count() == 1
