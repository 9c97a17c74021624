"""``admin login`` on WhatsApp sends an admin a working one-time dashboard link."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.models import LoginToken
from tests.engine_support import Operator
from tests.factories import make_project, make_user


def test_admin_gets_a_single_use_link_and_operators_do_not(app, runtime, client) -> None:
    project = make_project(runtime.db)
    admin = Operator(runtime, project, make_user(runtime.db, project, "Meera", role="ADMIN"))
    operator = Operator(runtime, project, make_user(runtime.db, project, "Priya", role="USER"))

    refused = operator.say("admin login")
    assert refused.text == "The dashboard is for admins only; ask your admin for access."

    reply = admin.say("Admin Login")
    link = re.search(r"http://127\.0\.0\.1:5000(/admin/login/\S+)", reply.text)
    assert link, reply.text
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LoginToken)) == 1
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert b"Continue" in page.data
