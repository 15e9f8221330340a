"""Check jobs of the register import page: an upload held between "check" and "confirm",
and the state of its check (checking with a count, done with the report, failed with a
reason) stored beside it so that the page can poll a large file's progress and page
through its report.

Both live in var/register-imports/ under a random key only the uploading session knows,
encrypted with the personal-data key (the upload holds ID numbers in the clear); they are
swept two hours after their last change. A large file is checked in a thread of the web
process; if that process stops, the job stays "checking" until swept and the page says
to upload again after ``_STALE`` seconds without progress."""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from shequgang.errors import DomainError
from shequgang.people.importing import register_import
from shequgang.people.register_report import ImportReport
from shequgang.places.models import Place

logger = logging.getLogger(__name__)

_TTL = 2 * 3600
_STALE = 120
_KEY = re.compile(r"^[0-9a-f]{32}$")
# Threads of the jobs this process runs, by key (tests wait on them).
_running: dict[str, threading.Thread] = {}


def _folder() -> Path:
    return Path(settings.VAR_DIR) / "register-imports"


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in settings.FIELD_KEYS])


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(Fernet(settings.FIELD_KEYS[0]).encrypt(data))
    temporary.replace(path)  # a poll never reads half a file


def _read(path: Path) -> bytes | None:
    try:
        return _fernet().decrypt(path.read_bytes(), ttl=_TTL)
    except (FileNotFoundError, InvalidToken):
        return None


def upload_hold(data: bytes) -> str:
    """Hold the upload; its key. Sweeps what expired."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    expired = time.time() - _TTL
    for old in folder.iterdir():
        if old.stat().st_mtime < expired:
            old.unlink(missing_ok=True)
    key = secrets.token_hex(16)
    _write(folder / f"{key}.bin", data)
    return key


def upload_take(key: str) -> bytes | None:
    """The held upload, once: the file is removed whatever happens next."""
    if not _KEY.match(key):
        return None
    path = _folder() / f"{key}.bin"
    data = _read(path)
    path.unlink(missing_ok=True)
    return data


def upload_drop(key: str) -> None:
    if _KEY.match(key):
        (_folder() / f"{key}.bin").unlink(missing_ok=True)


def job_state(key: str) -> dict[str, Any] | None:
    """{"state": "checking", "checked", "total", "at"} | {"state": "done", "report"} |
    {"state": "failed", "message"}; None for an unknown or expired key."""
    if not _KEY.match(key):
        return None
    data = _read(_folder() / f"{key}.job")
    if data is None:
        return None
    state: dict[str, Any] = json.loads(data)
    if state["state"] == "checking" and time.time() - state["at"] > _STALE:
        return {"state": "failed", "message": "校验中断，请重新上传", "status": 400}
    return state


def job_report(key: str) -> ImportReport | None:
    state = job_state(key)
    if state is None or state["state"] != "done":
        return None
    return ImportReport.from_json(state["report"])


def _save(key: str, state: dict[str, Any]) -> None:
    _write(_folder() / f"{key}.job", json.dumps(state, ensure_ascii=False).encode())


def job_drop(key: str) -> None:
    if _KEY.match(key):
        (_folder() / f"{key}.job").unlink(missing_ok=True)
        upload_drop(key)


def job_check(*, key: str, actor: User, within: Place, background: bool) -> None:
    """Check the held upload ``key`` (a dry run of the import) and store its report;
    in a thread when ``background``. A failed or unclean check drops the upload."""
    _save(key, {"state": "checking", "checked": 0, "total": 0, "at": time.time()})
    if not background:
        _run(key, actor.pk, within.pk)
        return
    thread = threading.Thread(
        target=_run_and_close, args=(key, actor.pk, within.pk), name=f"register-check-{key[:8]}"
    )
    _running[key] = thread
    thread.start()


def job_wait(key: str, timeout: float = 60) -> None:
    """Wait for this process's thread checking ``key``, if any (for tests and shutdown)."""
    thread = _running.get(key)
    if thread is not None:
        thread.join(timeout)


def _run_and_close(key: str, actor_id: int, within_id: int) -> None:
    try:
        _run(key, actor_id, within_id)
    finally:
        _running.pop(key, None)
        connection.close()  # this thread's own connection


def _run(key: str, actor_id: int, within_id: int) -> None:
    def progress(checked: int, total: int) -> None:
        _save(key, {"state": "checking", "checked": checked, "total": total, "at": time.time()})

    data = _read(_folder() / f"{key}.bin")
    try:
        if data is None:
            raise DomainError("expired", "待校验的文件已过期，请重新上传")
        report = register_import(
            actor=User.objects.get(pk=actor_id),
            file=io.BytesIO(data),
            within=Place.objects.get(pk=within_id),
            dry_run=True,
            progress=progress,
        )
    except DomainError as exc:
        upload_drop(key)
        _save(key, {"state": "failed", "message": exc.message, "status": exc.status})
        return
    except Exception:
        logger.exception("register check %s failed", key[:8])
        upload_drop(key)
        _save(key, {"state": "failed", "message": "校验时出错，请重新上传", "status": 500})
        return
    if not report.ok:
        upload_drop(key)
    _save(key, {"state": "done", "report": report.to_json()})
