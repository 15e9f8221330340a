"""Who does things: the type every service takes as ``actor``."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

# A signed-in user, the anonymous user of a public page, or None for the system itself
# (migrations, sweeps, the demo loader).
Actor = User | AnonymousUser | None
UserLike = User | AnonymousUser
