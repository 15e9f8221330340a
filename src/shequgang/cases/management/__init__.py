"""Management commands of the cases app (``commands``); nothing imports them."""
