"""Duplicates: the suggestion rules (``suggestions``: text and distance similarity), the
answers built on them (``schemas``), their API (``api``) and pages (``views``, ``urls``,
namespace ``duplicates``). Following a case ("me too") is ``services.followers``: the
case's writes need it, so it sits below.

``suggestions`` may import models and access; the edge modules may also import services
and the shared helpers of ``cases.api`` and ``cases.web``."""
