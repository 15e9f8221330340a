"""``shequgang expire_points``: expire old points in every community whose policy sets
an expiry (run monthly, or nightly: a period runs once per community)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shequgang.places.models import Kind, Place
from shequgang.points.expiry import communities_with_expiry, points_expire


class Command(BaseCommand):
    help = "Expire points older than each community's expiry period (once per month)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="YYYY-MM (default: this month, Beijing time)")
        parser.add_argument("--community", type=int, help="one community's id")

    def handle(self, *args: Any, **options: Any) -> None:
        period = options.get("period")
        if period is not None and not (
            len(period) == 7 and period[4] == "-" and period.replace("-", "").isdigit()
        ):
            raise CommandError("--period must be YYYY-MM")
        if options.get("community"):
            places = list(Place.objects.filter(pk=options["community"], kind=Kind.COMMUNITY))
            if not places:
                raise CommandError("no such community")
        else:
            places = communities_with_expiry()
        for place in places:
            result = points_expire(community=place, period=period)
            if result.run is None:
                self.stdout.write(f"{place.name}: no expiry configured")
            else:
                state = "expired" if result.created else "already ran"
                self.stdout.write(
                    f"{place.name} {result.period}: {state}, {result.run.points} points "
                    f"from {result.run.accounts} accounts"
                )
