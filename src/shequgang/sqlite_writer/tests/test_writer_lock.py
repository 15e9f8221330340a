"""Writers queue for SQLite's write lock: a transaction holds the lock file from BEGIN to
COMMIT or ROLLBACK, and a second writer waits for it instead of polling SQLite."""

import fcntl
import os
import threading

import pytest
from django.db import connection, connections, transaction

from shequgang.apikit.models import IdempotencyRecord

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the lock is the SQLite backend's"
)


def _lock_file_is_free() -> bool:
    fd = os.open(f"{connection.settings_dict['NAME']}.writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock this probe took
    return True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transaction_holds_the_lock_file_until_it_ends():
    """Given no transaction, the lock file is free; inside one it is held (another
    process would wait); after a commit, and after a rollback, it is free again."""
    assert _lock_file_is_free()
    with transaction.atomic():
        assert not _lock_file_is_free()
    assert _lock_file_is_free()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert not _lock_file_is_free()
        1 / 0  # noqa: B018
    assert _lock_file_is_free()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_writer_waits_for_the_first_and_both_write(django_user_model):
    """Given a thread inside a write transaction, when another thread starts one, then it
    waits (it has not written while the first is open) and writes once the first
    commits: both rows are there, nobody got "database is locked"."""
    user = django_user_model.objects.create_user("w")
    first_in, second_started, second_done = (threading.Event() for _ in range(3))
    errors: list[BaseException] = []

    def second() -> None:
        try:
            first_in.wait(10)
            second_started.set()
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    user=user, key="second", operation="t", request_hash="", status_code=0, body={}
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()
            second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        IdempotencyRecord.objects.create(
            user=user, key="first", operation="t", request_hash="", status_code=0, body={}
        )
        first_in.set()
        assert second_started.wait(10)
        assert not second_done.is_set()
        assert not IdempotencyRecord.objects.filter(key="second").exists()
    thread.join(10)
    assert errors == []
    assert set(IdempotencyRecord.objects.values_list("key", flat=True)) == {"first", "second"}
