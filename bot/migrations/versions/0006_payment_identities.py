"""contact identities: UPI VPAs and bank-name spellings remembered by reconciliation

Revision ID: 0006
Revises: 0005

``contact_identities.type`` admits ``upi_vpa`` and ``bank_name`` besides ``phone`` and
``email``. Only the CHECK constraint changes (SQLite rebuilds the table in batch mode).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD = "type IN ('phone', 'email')"
NEW = "type IN ('phone', 'email', 'upi_vpa', 'bank_name')"


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("contact_identities", recreate="auto") as batch:
        batch.drop_constraint(op.f("ck_contact_identities_type"), type_="check")
        batch.create_check_constraint(op.f("ck_contact_identities_type"), condition)


def upgrade() -> None:
    _replace_check(NEW)


def downgrade() -> None:
    op.execute("DELETE FROM contact_identities WHERE type IN ('upi_vpa', 'bank_name')")
    _replace_check(OLD)
