"""The working-day calendar: the PRC statutory calendar plus admin-entered overrides.

Import it by its full name (``from shequgang.calendar.workdays import ...``); the package
lives inside ``shequgang``, so the standard library's ``calendar`` is not shadowed."""
