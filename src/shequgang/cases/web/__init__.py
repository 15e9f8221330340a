"""The case pages (server-rendered, htmx): raising a case, the lists (``lists``), one case and
its actions (``views``), the inbox (``inbox``), their forms and URLs (``urls``, namespace
``cases``), and what the views share (``common``).

May import everything below it: models, engine, access, services, the feature packages and
``queries``. Nothing imports it except ``shequgang.urls`` and the edge modules (views) of the
feature packages."""
