"""The queued intake: a report accepted with one INSERT (``services.intake_accept``) and
raised as a case by the worker (``services``), and its API (``api``).

``services`` may import models, engine and services; ``api`` may also use ``cases.api``'s
schemas."""
