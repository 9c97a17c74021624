"""Pledges and payments: the filters both lists share, their totals and their CSV files.

A filter is read once from the query string (``from``, ``to``, ``operator``,
``method``, ``status``) and used three times: for the page, for the totals above it and
for the CSV download, so the file always holds what the page counted.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from flask import abort, request
from sqlalchemy import Select, func, select

from bot import csv_safety
from bot.admin.listing import uuid_arg
from bot.admin.timeframe import day_bounds, parse_day
from bot.engine.timezones import zone
from bot.models import Contact, Payment, Pledge
from bot.models.enums import PAYMENT_METHODS, PAYMENT_STATUSES, PLEDGE_STATUSES
from bot.store import ProjectScope

#: A payment or a pledge: the two kinds of row these lists show.
Money = TypeVar("Money", Payment, Pledge)
#: The date columns the ``from``/``to`` filter applies to.
WHEN = {Payment: Payment.paid_at, Pledge: Pledge.pledged_at}


@dataclass
class MoneyFilter:
    """What the admin chose; empty fields do not filter."""

    first: date | None = None
    last: date | None = None
    operator: uuid.UUID | None = None
    method: str = ""
    status: str = ""

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for pager links and the CSV link)."""
        values = {
            "from": self.first.isoformat() if self.first else "",
            "to": self.last.isoformat() if self.last else "",
            "operator": str(self.operator) if self.operator else "",
            "method": self.method,
            "status": self.status,
        }
        return {k: v for k, v in values.items() if v}


def read_filter(model: type[Payment] | type[Pledge], default_status: str = "") -> MoneyFilter:
    """The filter in the query string; an unknown method or status answers 400."""
    statuses = PAYMENT_STATUSES if model is Payment else PLEDGE_STATUSES
    status = request.args.get("status", default_status)
    if status == "any":
        status = ""
    if status and status not in statuses:
        abort(400, description=f"status: one of {', '.join(statuses)}")
    method = request.args.get("method", "") if model is Payment else ""
    if method and method not in PAYMENT_METHODS:
        abort(400, description=f"method: one of {', '.join(PAYMENT_METHODS)}")
    first, last = parse_day(request.args.get("from")), parse_day(request.args.get("to"))
    if first and last and first > last:
        abort(400, description="from must not be after to")
    return MoneyFilter(first, last, uuid_arg("operator"), method, status)


def conditions(
    scope: ProjectScope, model: type[Payment] | type[Pledge], chosen: MoneyFilter, tz: str
) -> list[Any]:
    """SQL conditions for ``chosen`` on payments or pledges of this project."""
    column = WHEN[model]
    where: list[Any] = [model.project_id == scope.project_id]
    if chosen.first:
        where.append(column >= day_bounds(chosen.first, tz)[0])
    if chosen.last:
        where.append(column < day_bounds(chosen.last, tz)[1])
    if chosen.operator:
        where.append(model.created_by_user_id == chosen.operator)
    if chosen.status:
        where.append(model.status == chosen.status)
    if chosen.method and model is Payment:
        where.append(Payment.method == chosen.method)
    return where


def listing(model: type[Money], where: list[Any], newest_first: bool) -> Select[Money, str]:
    """Rows with their contact's name, in date order."""
    column = WHEN[model]
    order = [column.desc(), model.id.desc()] if newest_first else [column, model.id]
    return (
        select(model, Contact.display_name)
        .join(Contact, Contact.id == model.contact_id)
        .where(*where, Contact.project_id == model.project_id)
        .order_by(*order)
    )


@dataclass
class Total:
    currency: str
    count: int
    amount: Decimal


def totals(
    scope: ProjectScope, model: type[Payment] | type[Pledge], where: list[Any]
) -> list[Total]:
    """Count and sum of the filtered rows, per currency (one grouped query)."""
    stmt = (
        select(model.currency, func.count(), func.coalesce(func.sum(model.amount), 0))
        .where(*where)
        .group_by(model.currency)
        .order_by(model.currency)
    )
    return [
        Total(currency, int(n), Decimal(str(amount)).quantize(Decimal("0.01")))
        for currency, n, amount in scope.session.execute(stmt)
    ]


def to_csv(
    model: type[Payment] | type[Pledge], rows: list[tuple[Any, str]], users: dict[Any, str], tz: str
) -> str:
    """One line per payment or pledge: amounts as plain numbers beside their currency (a
    spreadsheet can add them up), times in the project's timezone."""
    when = WHEN[model].key
    extra = ("method", "reference", "pledge_id") if model is Payment else ("expected_by",)
    out = io.StringIO()
    writer = csv_safety.writer(out)
    writer.writerow([when, "contact", "amount", "currency", "status", *extra, "operator", "notes"])
    for row, name in rows:
        moment = getattr(row, when).astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M")
        writer.writerow(
            [moment, name, f"{row.amount:.2f}", row.currency, row.status]
            + [_cell(getattr(row, key)) for key in extra]
            + [users.get(row.created_by_user_id, ""), row.notes or ""]
        )
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)
