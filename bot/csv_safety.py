"""CSV cells that are safe to open in a spreadsheet, and CSV reading that never crashes.

Writing: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
a formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(…)`` leaks data, ``=cmd|…``
runs programs). Every CSV Calltime writes goes through :func:`writer`, which prefixes
such a cell with ``'`` (OWASP's advice) — except plain numbers such as ``+919876543210``
or ``-12.50``, which no spreadsheet runs. A cell that already starts with quotes and
then a formula character gets one more quote, so reading strips exactly one and an
export → import round trip gives back every value unchanged.

Reading: :class:`SafeDictReader` strips NUL characters (PostgreSQL cannot store them)
and says on which line, turns a line the ``csv`` module cannot read (a field over its
131,072-character limit) into an error for that line alone, and undoes the ``'`` prefix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.models.types import NUL, strip_nul

#: What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet-safe cell (strings only; numbers pass unchanged)."""
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value if _NEEDS_QUOTE.match(value) else value


def restore(value: str) -> str:
    """Undo :func:`neutralise` on a cell read back from a CSV."""
    return value[1:] if _QUOTED.match(value) else value


class SafeWriter:
    """``csv.writer`` whose every string cell is neutralised.

    A row holding a bare carriage return is written fully quoted: with a ``"\n"`` line
    terminator the ``csv`` module would leave that cell unquoted and break the file.
    """

    def __init__(self, out: io.TextIOBase | Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)
        self._quoted = csv.writer(out, **{**kwargs, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [neutralise(cell) for cell in row]
        carriage_return = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        return (self._quoted if carriage_return else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: io.TextIOBase | Any, **kwargs: Any) -> SafeWriter:
    """A CSV writer for anything Calltime hands to a person (same arguments as csv's)."""
    return SafeWriter(out, **kwargs)


@dataclass
class CsvLine:
    """One record of a CSV file: its values, or why it could not be read."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    error: str = ""
    nul_removed: bool = False


class SafeDictReader:
    """``csv.DictReader`` over ``text`` that reports bad lines instead of raising.

    ``headers`` are the stripped column names; iterating yields :class:`CsvLine`.
    """

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(strip_nul(text.lstrip("\ufeff"))))
        self._nul_lines = _nul_records(text.lstrip("\ufeff"))
        try:
            first = next(self._reader, [])
        except csv.Error as exc:
            raise ValueError(f"line 1: the header cannot be read ({exc})") from None
        self.headers = [restore(h.strip()) for h in first]

    def __iter__(self) -> Iterator[CsvLine]:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield CsvLine(self._reader.line_num, error=_readable(exc))
                continue
            if not cells:
                continue  # an empty line, as DictReader skips it
            line = self._reader.line_num
            values = {h: restore(c) for h, c in zip(self.headers, cells, strict=False)}
            yield CsvLine(line, values, nul_removed=line in self._nul_lines)


def _nul_records(text: str) -> set[int]:
    """Line numbers (as ``csv`` counts them: a record's last line) that held a NUL."""
    if NUL not in text:
        return set()
    reader = csv.reader(io.StringIO(text))
    found: set[int] = set()
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return found
        except csv.Error:
            continue
        if any(NUL in cell for cell in cells):
            found.add(reader.line_num)


def _readable(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        return f"a field is longer than {limit:,} characters; shorten it"
    return f"this line cannot be read as CSV ({text})"
