"""Server time of every admin dashboard page at scale (Flask test client, warm).

Full run: 1,000,000 ``agent_logs`` and 100,000 contacts in the measured project (plus
200,000 model calls, 20,000 sessions with 80,000 messages, 20,000 pledges and follow-ups),
and a second project with a twentieth of that. The goal is under 200 ms per page.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event, select, text

from bench.admin_load import PASSWORD, load
from bench.harness import BenchContext, Figure, summarise, time_calls
from bot.admin.listing import encode_cursor
from bot.app import create_app
from bot.clock import FrozenClock
from bot.models import Contact

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
BUDGET_MS = 200.0


def _deep_contact_cursor(engine: Any, loaded: Any) -> str:
    """The contacts-page cursor halfway down the name order (page 1,000 at full scale)."""
    stmt = (
        select(Contact.display_name, Contact.id)
        .where(Contact.project_id == loaded.project_id, Contact.deleted_at.is_(None))
        .order_by(Contact.display_name, Contact.id)
        .offset(loaded.counts["contacts"] // 2)
        .limit(1)
    )
    with engine.connect() as conn:
        name, contact_id = conn.execute(stmt).one()
    return encode_cursor(name, contact_id)


def _pages(loaded: Any, client: Any, contact_cursor: str) -> dict[str, str]:
    op = loaded.operator_ids[3]
    first = client.get("/admin/logs").get_data(as_text=True)
    cursor = re.search(r'before=([^"&]+)', first)
    return {
        "overview": "/admin/",
        "conversations": "/admin/conversations",
        "conversations, page 100": "/admin/conversations?offset=5000",
        "transcript": f"/admin/conversations/{loaded.session_id}",
        "usage, 30 days": "/admin/usage",
        "usage CSV, 30 days": "/admin/usage.csv",
        "agent logs": "/admin/logs",
        "agent logs, older page": "/admin/logs?before=" + (cursor.group(1) if cursor else ""),
        "agent logs, errors": "/admin/logs?status=error",
        "agent logs, one tool": "/admin/logs?tool=record_pledge",
        "agent logs, one operator": f"/admin/logs?operator={op}",
        "agent logs, tool+operator+week": f"/admin/logs?tool=search_kb&operator={op}"
        "&from=2026-11-01&to=2026-11-07",
        "follow-ups": "/admin/followups",
        "pledges (ageing)": "/admin/pledges",
        "payments": "/admin/payments",
        "feedback": "/admin/feedback",
        "contacts": "/admin/contacts",
        "contacts, page 1000": f"/admin/contacts?after={contact_cursor}",
        "contacts, name search": "/admin/contacts?q=Donor%2004212",
        "contacts, phone search": f"/admin/contacts?q={loaded.contact_phone}",
        "contact page": f"/admin/contacts/{loaded.contact_id}",
    }


def _fast_bulk_load(dbapi_connection: Any, _record: Any) -> None:
    # Loading only: a crash would just mean loading again. The app's own engine later
    # opens the file with Calltime's normal settings.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA cache_size=-400000")
    cursor.close()


def _measure(ctx: BenchContext, engine_name: str) -> list[Figure]:
    n_logs, n_contacts = ctx.scale(1_000_000, 20_000), ctx.scale(100_000, 2_000)
    figures = []
    with ctx.database(engine_name) as url:
        engine = create_engine(url)
        if engine_name == "sqlite":
            event.listen(engine, "connect", _fast_bulk_load)
        t0 = time.monotonic()
        loaded = load(engine, NOW, logs=n_logs, contacts=n_contacts)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        load_s = round(time.monotonic() - t0, 1)
        contact_cursor = _deep_contact_cursor(engine, loaded)
        engine.dispose()
        app = create_app(
            {"database_url": url, "instance_path": ctx.workdir / "instance", "secret_key": "bench"},
            clock=FrozenClock(NOW),
        )
        client = app.test_client()
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/admin/login").get_data(as_text=True)
        ).group(1)
        response = client.post(
            "/admin/login",
            data={"identifier": loaded.admin_email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, "bench admin could not sign in"
        workload = (
            f"{loaded.counts['agent_logs']:,} agent_logs, {loaded.counts['contacts']:,} contacts"
        )
        for name, path in _pages(loaded, client, contact_cursor).items():

            def get(path: str = path) -> None:
                assert client.get(path).status_code == 200, path

            samples = time_calls(get, repeat=ctx.scale(15, 3))
            fig = summarise(
                f"admin {name}",
                workload,
                samples,
                engine=engine_name,
                extra={"under_200ms": max(samples) < BUDGET_MS},
            )
            figures.append(fig)
        export = time_calls(lambda: client.get("/admin/contacts/export.csv"), repeat=1, warmup=0)
        figures.append(
            summarise(
                "admin contacts CSV export (download)",
                workload,
                export,
                engine=engine_name,
                extra={"load_s": load_s, **loaded.counts},
            )
        )
        app.extensions["calltime"].db.dispose()
    return figures


def run(ctx: BenchContext) -> list[Figure]:
    """Each page's server time, on PostgreSQL (production) unless BENCH_ADMIN_ENGINES says more.

    Loading a million log rows takes minutes per engine, so ``make bench`` measures the
    dashboard on the engine it is deployed on; ``BENCH_ADMIN_ENGINES=sqlite,postgres``
    adds the embedded database.
    """
    wanted = os.environ.get("BENCH_ADMIN_ENGINES", "postgres").split(",")
    figures: list[Figure] = []
    for engine_name in [e for e in ctx.engines if e in wanted]:
        figures.extend(_measure(ctx, engine_name))
    return figures
