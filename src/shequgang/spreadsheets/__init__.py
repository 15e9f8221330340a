"""Spreadsheets in and out: the one place the platform writes .xlsx and .csv files, and
the bounds an uploaded .xlsx must keep before anything parses it.

- ``cells``: what a written cell may hold. Text that a spreadsheet program would run as
  a formula (a leading ``= + - @``, tab or carriage return, or a full-width form of the
  first four) is written with a single quote in front (OWASP, CSV injection); numbers
  stay numbers, dates stay dates.
- ``xlsx``: ``XlsxBook`` (sheets written row by row, header row in bold, column widths,
  the header frozen) and ``xlsx_bytes`` for a one-sheet file; ``xlsx_response`` serves it.
- ``csv_files``: ``csv_bytes``, the same rules for .csv.
- ``testing``: reading a written workbook back cell by cell, and building hostile
  uploads, for the tests of every export and import.
- ``archive``: ``open_xlsx_archive`` opens an upload only within ``ArchiveLimits``
  (total unzipped size, compression ratio, member count); ``MAX_CELL_CHARS`` bounds one
  cell's text for the readers.

No other module imports openpyxl or writes csv (``tests/test_no_bypass.py`` fails if
one does). This package imports only ``shequgang.errors`` and Django's settings."""
