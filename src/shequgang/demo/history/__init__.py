"""Six months of the demo city's life, made through the services.

``history_load`` runs after the tree, the accounts and the other apps' demo data exist.
It moves a clock (``clock.py``) from six months ago to today and, at each moment, calls
the service a person would have called then: cases raised, signed for, resolved,
escalated, dispatched, returned, extended, rated and merged (``cases.py``, ``stories.py``),
with the deadline sweep run every day; deliberations with owners' votes, patrols with GPS
tracks, points spent, and a veterans' programme open today (``civic.py``). Grid
boundaries come from the buildings' positions (``geo.py``).

May import every app's services; nothing imports it but ``demo.builder``."""
