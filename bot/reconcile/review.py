"""The review of a statement: every credit in one of four piles, and the pledges left.

========== ===========================================================================
matched    the best pledge is certain (``exact``): confirmed all at once
probable   one likely pledge, or a choice between a few: confirmed one click at a time
unmatched  nothing fits: recorded by hand, if at all
recorded   its UTR is already a payment in the project (or earlier in the same file)
========== ===========================================================================

Lines are reviewed in date order; a matched line counts against its pledge for the
lines after it, so two instalments in one file are not both read as "paid in full".
The same summary is printed by ``calltime payments reconcile`` and shown on the page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot import csv_safety
from bot.engine.amounts import format_money
from bot.reconcile.apply import duplicate_text
from bot.reconcile.matching import Candidate, Match, OpenPledge, PledgeBook, match_credit
from bot.reconcile.statements import StatementLine, read_statement
from bot.store import ProjectScope

PILES = ("matched", "probable", "unmatched", "recorded")
_PILE = {"exact": "matched", "probable": "probable", "choice": "probable"}


@dataclass
class ReviewRow:
    """One credit line with its verdict."""

    line: StatementLine
    match: Match
    pile: str
    note: str = ""
    #: The proposal as it read when reviewed (a later line may pay the same pledge).
    proposed: str = ""

    @property
    def best(self) -> Candidate | None:
        return self.match.candidates[0] if self.match.candidates else None

    def proposal(self) -> str:
        """``→ Anita Sharma's ₹25,000 pledge (₹15,000 left)``, or the note."""
        return self.proposed or self.note

    def propose(self) -> None:
        best = self.best
        if self.pile in ("matched", "probable") and best is not None:
            entry = best.entry
            self.proposed = (
                f"→ {entry.contact.display_name}'s {format_money(entry.pledge.amount)} pledge "
                f"({best.left_after(self.line.credit.amount)})"
            )


@dataclass
class Review:
    """A statement's rows in piles, and the open pledges no matched line pays in full."""

    rows: list[ReviewRow] = field(default_factory=list)
    unpaid: list[OpenPledge] = field(default_factory=list)

    def pile(self, name: str) -> list[ReviewRow]:
        return [r for r in self.rows if r.pile == name]

    def row(self, line: int) -> ReviewRow | None:
        return next((r for r in self.rows if r.line.line == line), None)

    def summary(self) -> str:
        """One paragraph: counts and amounts per pile, and the pledges still unpaid."""
        total = sum((r.line.credit.amount for r in self.rows), Decimal(0))
        parts = []
        for name in PILES:
            rows = self.pile(name)
            amount = sum((r.line.credit.amount for r in rows), Decimal(0))
            parts.append(f"{len(rows)} {name} ({format_money(amount)})")
        unpaid = sum((p.remaining for p in self.unpaid), Decimal(0))
        return (
            f"{len(self.rows)} credits, {format_money(total)}: {', '.join(parts)}. "
            f"{len(self.unpaid)} pledges still unpaid ({format_money(unpaid)} outstanding)."
        )


def build_review(
    scope: ProjectScope, lines: list[StatementLine], *, tz: ZoneInfo, today: date
) -> Review:
    """Match every credit of a statement against the project's open pledges."""
    book = PledgeBook(scope, tz)
    review = Review()
    seen: dict[str, int] = {}
    for line in sorted(lines, key=lambda x: (x.credit.on or today, x.line)):
        credit = line.credit
        if credit.reference and credit.reference in seen:
            note = f"same UTR as line {seen[credit.reference]}"
            review.rows.append(ReviewRow(line, Match(credit, "duplicate"), "recorded", note))
            continue
        if credit.reference:
            seen[credit.reference] = line.line
        match = match_credit(scope, credit, tz=tz, today=today, book=book)
        if match.kind == "duplicate" and match.duplicate is not None:
            note = duplicate_text(scope, match.duplicate, tz)
            review.rows.append(ReviewRow(line, match, "recorded", note))
            continue
        pile = _PILE.get(match.kind, "unmatched")
        note = "no open pledge fits" if pile == "unmatched" else ""
        row = ReviewRow(line, match, pile, note)
        row.propose()
        review.rows.append(row)
        if pile == "matched":
            _count_against(book, match.candidates[0].entry, credit.amount)
    review.rows.sort(key=lambda r: r.line.line)
    review.unpaid = [e for e in book.entries if e.remaining > 0]
    return review


def review_statement(
    scope: ProjectScope,
    text: str,
    *,
    preset: str | None,
    mapping: dict[str, str] | None,
    tz: ZoneInfo,
    today: date,
) -> tuple[str, Review]:
    """Read a statement and review it; raises :class:`StatementError` with the line."""
    fmt, lines = read_statement(text, preset=preset, mapping=mapping)
    return fmt, build_review(scope, lines, tz=tz, today=today)


def row_text(row: ReviewRow) -> str:
    """``line 5  matched    ₹10,000 from anita.s@okaxis on 25 Nov → Anita Sharma's …``."""
    return f"line {row.line.line:<4} {row.pile:<9} {row.line.credit.describe()} {row.proposal()}"


def _count_against(book: PledgeBook, entry: OpenPledge, amount: Decimal) -> None:
    entry.remaining -= amount
    if entry.remaining <= 0:
        book.entries.remove(entry)
        book.by_contact[entry.contact.id].remove(entry)


def review_csv(review: Review) -> str:
    """The review as CSV: one row per credit line, then one per unpaid pledge."""
    out = io.StringIO()
    writer = csv_safety.writer(out, lineterminator="\n")
    writer.writerow(["line", "pile", "date", "amount", "reference", "payer", "pledge", "note"])
    for row in review.rows:
        credit = row.line.credit
        cells = [
            row.line.line,
            row.pile,
            credit.on.isoformat() if credit.on else "",
            credit.amount,
            credit.reference or "",
            credit.payer_vpa or credit.payer_name or "",
            row.proposal() if row.pile in ("matched", "probable") else "",
            row.note or "; ".join(row.best.reasons if row.best else []),
        ]
        writer.writerow(cells)
    for entry in review.unpaid:
        cells = [
            "",
            "unpaid",
            entry.opened_on.isoformat(),
            entry.remaining,
            "",
            "",
            f"{entry.contact.display_name}'s {format_money(entry.pledge.amount)} pledge",
            "",
        ]
        writer.writerow(cells)
    return out.getvalue()
