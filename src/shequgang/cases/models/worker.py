"""The worker processes (``shequgang worker``, ``process_intake``) that claim queued work,
so a claim can name its holder and a dead holder's claims be taken over at once
(``cases/services/workers.py``). Imported by ``cases/models/intake.py``, which Django loads with
``cases/models/``."""

from __future__ import annotations

from django.db import models

__all__ = ["WorkerProcess"]


class WorkerProcess(models.Model):
    """One running (or once running) worker process. It beats every few seconds; one
    that stopped beating, exited, or whose pid is gone from its own host is dead, and
    every claim it holds may be taken over."""

    hostname = models.CharField(max_length=255)
    # The host's boot (Linux ``/proc/sys/kernel/random/boot_id``; "" elsewhere): a pid
    # of an earlier boot is no process at all.
    boot_id = models.CharField(max_length=64, blank=True)
    pid = models.PositiveIntegerField()
    # When the OS started the process (``/proc/<pid>/stat`` field 22; "" elsewhere): the
    # same pid with another start time is another process (pid reuse).
    process_start = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
    # Set when it exits cleanly, or when another worker finds it dead.
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "后台进程"
        verbose_name_plural = "后台进程"
        indexes = [
            # The live ones, by their last beat: what the takeover check reads.
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(stopped_at__isnull=True),
                name="worker_live_heartbeat",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
