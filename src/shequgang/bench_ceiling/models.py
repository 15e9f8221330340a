"""A tiny table for the benchmark's one-INSERT ceiling view. Installed only when
``SHEQUGANG_BENCH=1`` (see settings.py): never in production."""

from __future__ import annotations

from django.db import models


class Ping(models.Model):
    at = models.DateTimeField()
    note = models.CharField(max_length=100)

    # Declared: the app is not installed when mypy runs, so the plugin adds no manager.
    objects: models.Manager[Ping] = models.Manager()

    def __str__(self) -> str:
        return self.note
