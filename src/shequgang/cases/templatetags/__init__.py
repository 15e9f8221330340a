"""Template tags of the case pages (``case_display``, ``cases_nav``). They may import models,
engine, access and ``dispatch.rules``; nothing in cases imports them."""
