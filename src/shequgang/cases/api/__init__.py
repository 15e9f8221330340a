"""The cases API (django-ninja): ``cases`` (list, read, raise a case), ``steps`` (one endpoint
per workflow step), ``desk`` (categories, measures, inbox), their schemas (``schemas``,
``desk_schemas``) and what the endpoints share (``out``: serializing, lookups, one step).

May import everything below it: models, engine, access, services, the feature packages and
``queries``. Nothing imports it except the API's mount (``shequgang.api``) and the edge
modules (api, views) of the feature packages."""
