"""``shequgang serve`` refuses options out of their bounds before it starts anything."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.parametrize("interval", ["0", "0.01", "101"])
def test_a_switch_interval_out_of_bounds_is_refused(interval):
    with pytest.raises(CommandError, match="switch-interval"):
        call_command("serve", "--no-worker", "--switch-interval", interval)


def test_no_workers_is_refused():
    with pytest.raises(CommandError, match="--workers"):
        call_command("serve", "--no-worker", "--workers", "0")
