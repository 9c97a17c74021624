"""Reading a bank statement export (CSV): presets for common Indian banks, or a mapping.

A preset names the columns of one bank's export; ``--map "Column=field"`` (or the
dashboard's mapping box) names them for any other. The fields:

============  =======================================================================
field         meaning
============  =======================================================================
date          the transaction (or value) date, day first
credit        the money-in column (banks with separate debit/credit columns)
debit         the money-out column (rows with only a debit are skipped)
amount        one amount column, with ``type`` saying CREDIT or DEBIT (PhonePe)
type          ``CREDIT``/``CR``/``Received`` for money in
narration     the description the bank prints (``UPI/CR/<ref>/<name>/…``)
reference     the reference/UTR column (used when the narration has none)
payer, vpa    columns some exports have for the payer's name and UPI ID
============  =======================================================================

Presets (header names as the banks export them, found by their header row wherever it
sits below the bank's preamble):

- ``hdfc`` — HDFC Bank NetBanking: ``Date, Narration, Chq./Ref.No., Value Dt,
  Withdrawal Amt., Deposit Amt., Closing Balance``
- ``sbi`` — State Bank of India: ``Txn Date, Value Date, Description, Ref No./Cheque No.,
  Debit, Credit, Balance``
- ``icici`` — ICICI Bank: ``S No., Value Date, Transaction Date, Cheque Number,
  Transaction Remarks, Withdrawal Amount (INR ), Deposit Amount (INR ), Balance (INR )``
- ``phonepe`` — PhonePe statement: ``Date, Time, Transaction Details, Transaction ID,
  UTR, Transaction Type, Credit/debit instrument, Amount``

Rows whose date cell has no digits (``Opening Balance``, footers) are skipped; a row
with an empty date continues the previous row's narration (wrapped text). Anything
else that cannot be read stops the import with its line number: nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from bot.engine.amounts import AmountError, parse_amount
from bot.reconcile.credit import Credit, make_credit, reference_key
from bot.reconcile.dates import parse_day
from bot.reconcile.messages import read_fields

FIELDS = ("date", "credit", "debit", "amount", "type", "narration", "reference", "payer", "vpa")
PRESETS: dict[str, dict[str, str]] = {
    "hdfc": {
        "Date": "date",
        "Narration": "narration",
        "Chq./Ref.No.": "reference",
        "Withdrawal Amt.": "debit",
        "Deposit Amt.": "credit",
    },
    "sbi": {
        "Txn Date": "date",
        "Description": "narration",
        "Ref No./Cheque No.": "reference",
        "Debit": "debit",
        "Credit": "credit",
    },
    "icici": {
        "Transaction Date": "date",
        "Transaction Remarks": "narration",
        "Cheque Number": "reference",
        "Withdrawal Amount (INR )": "debit",
        "Deposit Amount (INR )": "credit",
    },
    "phonepe": {
        "Date": "date",
        "Transaction Details": "narration",
        "UTR": "reference",
        "Transaction Type": "type",
        "Amount": "amount",
    },
}
_EMPTY = ("", "-", "0", "0.0", "0.00")
_MONEY_IN = re.compile(r"^(?:cr|credit|credited|received|deposit)\b", re.IGNORECASE)


class StatementError(ValueError):
    """A statement that cannot be read, with the line where reading stopped."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line


@dataclass(frozen=True)
class StatementLine:
    """One credit of the statement: its line in the file and what it says."""

    line: int
    credit: Credit
    narration: str


@dataclass
class _CreditRow:
    """A money-in row as read, before the wrapped narration lines below it are joined."""

    line: int
    day: date
    amount: str
    cell: dict[str, str]


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """``["Txn Date=date", …]`` → ``{"Txn Date": "date"}``; raises ``ValueError``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, name = pair.rpartition("=")
        if not sep or not column.strip() or name.strip() not in FIELDS:
            raise ValueError(f"'{pair}' is not COLUMN=FIELD (fields: {', '.join(FIELDS)})")
        mapping[column.strip()] = name.strip()
    return mapping


def decode(data: bytes) -> str:
    """The file as text; raises :class:`StatementError` at the first line that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StatementError(line, "the file is not UTF-8 text (export it as CSV)") from exc


def read_statement(
    text: str, *, preset: str | None = None, mapping: dict[str, str] | None = None
) -> tuple[str, list[StatementLine]]:
    """The credits of a statement, and the format that read it (a preset's name or ``map``).

    Without a preset or mapping, each preset is tried on the header row.

    Raises:
        StatementError: no header row, or a row that cannot be read.
    """
    rows = list(csv.reader(io.StringIO(text)))
    ends = _line_ends(text)
    if mapping:
        choices = [("map", mapping)]
    elif preset:
        if preset not in PRESETS:
            raise StatementError(1, f"unknown format '{preset}' (use {', '.join(PRESETS)})")
        choices = [(preset, PRESETS[preset])]
    else:
        choices = list(PRESETS.items())
    for name, columns in choices:
        found = _header(rows, columns)
        if found is not None:
            index, positions = found
            return name, _credits(rows, index, positions, ends)
    wanted = "; ".join(", ".join(columns) for _, columns in choices)
    raise StatementError(1, f"no header row with the columns {wanted}")


def _line_ends(text: str) -> list[int]:
    """The physical line each CSV record ends on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text))
    return [reader.line_num for _ in reader]


def _norm(cell: str) -> str:
    return re.sub(r"\s+", " ", cell).strip().lower()


def _header(rows: list[list[str]], columns: dict[str, str]) -> tuple[int, dict[str, int]] | None:
    wanted = {_norm(column): field for column, field in columns.items()}
    fields = set(wanted.values())
    if "date" not in fields or not ({"credit", "amount"} & fields):
        raise StatementError(1, "the mapping needs a date column and a credit or amount column")
    for index, row in enumerate(rows[:50]):
        cells = [_norm(c) for c in row]
        if all(column in cells for column in wanted):
            return index, {field: cells.index(column) for column, field in wanted.items()}
    return None


def _credits(
    rows: list[list[str]], header: int, at: dict[str, int], ends: list[int]
) -> list[StatementLine]:
    read: list[_CreditRow] = []
    last: _CreditRow | None = None  # the row a wrapped narration continues
    for index in range(header + 1, len(rows)):
        cell, line = _cells(rows[index], at), ends[index]
        if not cell["date"]:
            if last is not None and cell["narration"]:
                last.cell["narration"] = f"{last.cell['narration']} {cell['narration']}"
            continue
        last = None
        if not any(ch.isdigit() for ch in cell["date"]):
            continue  # "Opening Balance", footers
        try:
            day = parse_day(cell["date"])
            amount = _incoming(cell)
        except (ValueError, AmountError) as exc:
            raise StatementError(line, str(exc)) from exc
        if amount is not None:
            last = _CreditRow(line, day, amount, cell)
            read.append(last)
    return [_line(row) for row in read]


def _cells(row: list[str], at: dict[str, int]) -> dict[str, str]:
    cells = {f: (row[i].strip() if i < len(row) else "") for f, i in at.items()}
    return {f: cells.get(f, "") for f in FIELDS}


def _incoming(cell: dict[str, str]) -> str | None:
    """The credited amount of a row, or ``None`` for money out."""
    if cell["credit"] or cell["debit"]:
        if cell["credit"] in _EMPTY:
            return None
        return _amount(cell["credit"])
    if cell["amount"] in _EMPTY or (cell["type"] and not _MONEY_IN.match(cell["type"])):
        return None
    return _amount(cell["amount"])


def _amount(raw: str) -> str:
    text = re.sub(r"\s*(?:cr|dr)\.?$", "", raw.strip(), flags=re.IGNORECASE)
    try:
        parse_amount(text)
    except AmountError as exc:
        # A statement's amount column holds digits: name the cell, not a unit we missed.
        raise AmountError(f"{raw.strip()!r} is not an amount") from exc
    return text


def _line(row: _CreditRow) -> StatementLine:
    narration = row.cell["narration"]
    credit = read_fields(narration, row.amount)
    credit = make_credit(
        credit.amount,
        on=row.day,
        reference=credit.reference or reference_key(row.cell["reference"]),
        payer_vpa=row.cell["vpa"] or credit.payer_vpa,
        payer_name=row.cell["payer"] or credit.payer_name,
        method=credit.method,
        source="statement",
    )
    return StatementLine(row.line, credit, narration)
