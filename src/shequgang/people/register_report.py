"""What a register import found: the counts of its preview (added, changed, unchanged,
invalid), and every problem by row and column, grouped by kind for the report page."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The report keeps this many problems in detail and counts the rest.
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number (the header is row 1); 0 for the file as a whole
    column: str  # the column's header, or "" when the problem is not in one cell
    code: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did. In a dry run the counts say what would be written:
    ``added`` new residents, ``changed`` registered ones updated, ``unchanged`` ones
    matched as they are; ``residents`` is all three (every valid row)."""

    within_id: int
    dry_run: bool
    rows: int = 0
    residents: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    households_created: int = 0
    units_created: int = 0
    imported: bool = False
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def invalid(self) -> int:
        """Rows with at least one problem."""
        return len(self.bad_rows)

    def add(self, row: int, column: str, code: str, message: str) -> None:
        self.error_count += 1
        if row:
            self.bad_rows.add(row)
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, code, message))

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["bad_rows"] = sorted(self.bad_rows)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        values = dict(data)
        values["errors"] = [RowError(**e) for e in values.get("errors", [])]
        values["bad_rows"] = set(values.get("bad_rows", []))
        return cls(**values)


@dataclass(frozen=True)
class ErrorGroup:
    code: str
    title: str  # the first message of the kind, as its example
    count: int  # problems of this kind in the report's detail


def error_groups(report: ImportReport) -> list[ErrorGroup]:
    """The kinds of problem in the report, most frequent first."""
    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    for e in report.errors:
        counts[e.code] = counts.get(e.code, 0) + 1
        titles.setdefault(e.code, e.message)
    return [
        ErrorGroup(code, titles[code], n)
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def errors_of(report: ImportReport, code: str) -> list[RowError]:
    return [e for e in report.errors if e.code == code]
