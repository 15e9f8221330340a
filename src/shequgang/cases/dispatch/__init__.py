"""The department dispatch loop (一网统管): who may dispatch, request dispatch or verify
(``rules``), the steps 提请派遣/派遣/退单/回复/核查 (``services``), the departments' measures
(``measures``), their API (``api``) and pages (``views``, routed by ``web.urls``).

``rules``, ``services`` and ``measures`` may import models, engine, access and services;
``api`` and ``views`` may also use the shared helpers of ``cases.api`` and ``cases.web``.
``services`` never imports this package: ``dispatch.services.case_hand_back`` picks a
department's 退单 or the ladder's 退回 for the callers."""
