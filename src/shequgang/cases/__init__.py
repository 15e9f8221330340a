"""Cases (事项): the 「四议」 ladder's case handling, the department dispatch loop, the queued
intake, duplicates and followers, and deliberations. One Django app (label ``cases``), in
packages that import one way::

    models ← engine ← services ← dispatch, intake, duplicates, deliberation ← queries ← api, web

``access`` (who may see a case) sits beside ``engine``; ``categories`` (the default
categories, read by migrations) imports nothing. The edge modules of a feature package
(``api``, ``views``, ``urls``, ``schemas``, ``forms``) may use the shared helpers of ``api``
and ``web``; its other modules may not. ``tests/test_layout.py`` checks the sizes, the
private imports, the cycles and these docstrings."""
