"""engine: indexes behind next_contacts' candidate pools

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 15:50:00

``(project_id, relationship_strength, id)`` lets the "strongest relationships" pool
read its first rows straight off the index with a deterministic tie-break, and
``(project_id, status, expected_by)`` finds open pledges near their date without
scanning every pledge.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_contacts_project_id_relationship_strength_id",
        "contacts",
        ["project_id", "relationship_strength", "id"],
    )
    op.create_index(
        "ix_pledges_project_id_status_expected_by",
        "pledges",
        ["project_id", "status", "expected_by"],
    )


def downgrade() -> None:
    op.drop_index("ix_pledges_project_id_status_expected_by", table_name="pledges")
    op.drop_index("ix_contacts_project_id_relationship_strength_id", table_name="contacts")
