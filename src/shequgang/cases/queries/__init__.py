"""The read side shared by the API and the pages: the work queue, allowed actions, search and
timeline (``selectors``), a keyset page of cases rendered for the API (``case_page``) and
keyset pagination (``keyset``).

May import models, engine, access and the feature packages' rules (``dispatch.rules``); never
``api`` or ``web``, which import it."""
