"""The rules of a case, without writes of their own except through ``workflow.transition``:
the transition table (``workflow``), the ladder routing (``routing``) and what routing
writes on a row (``route_fields``), the deadline clocks and the overdue rule (``deadlines``),
numbering, the guards every write shares (``guards``: who may handle or supervise, text
checks), the department legs' bookkeeping (``legs``), the measures (``measures``) and the
Art. 278 counting (``art278``, pure: it imports nothing from cases).

May import ``models`` and ``cases.access``; never ``services`` or anything above."""
