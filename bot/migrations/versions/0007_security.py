"""security: admin session version on users, origin of each message

Revision ID: 0007
Revises: 0006

``users.session_version`` is copied into an admin's session cookie at sign-in and
compared on every dashboard request; signing out, a new password, demotion or
deactivation raise it, which ends every session of that admin at once.
``messages_inbound_outbound.origin`` says who put a message on the queue
(``whatsapp``: Twilio's signed webhook; ``simulator``: the demo page; ``local``:
``calltime chat`` and other callers with database access), so commands that must
come from the admin's own phone can refuse the simulator.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "messages_inbound_outbound",
        sa.Column("origin", sa.Text(), nullable=False, server_default="whatsapp"),
    )


def downgrade() -> None:
    with op.batch_alter_table("messages_inbound_outbound") as batch:
        batch.drop_column("origin")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
