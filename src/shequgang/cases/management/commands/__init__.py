"""The cases app's commands: ``worker`` (outbox, intake, sweep), ``process_intake`` and
``sweep``. They may import anything in cases; nothing imports them."""
