"""Deliberations (四议 meetings): who may see and manage them (``access``), their transition
table (``workflow``), the writes (``planning``, ``meeting``, ``follow_ups``, re-exported by
``services``; shared bits in ``common``), the owners' vote under Civil Code Art. 278
(``owners_vote``, its reads in ``owners_result``; the counting is ``engine.art278``), the
API (``api``, ``owners_api``, ``api_out``, ``schemas``) and the pages (``views``, ``forms``,
``urls``, namespace ``deliberations``). The model classes are in ``models.deliberation``.

May import models, engine, access and services; the edge modules may also use the shared
helpers of ``cases.api`` and ``cases.web``."""
