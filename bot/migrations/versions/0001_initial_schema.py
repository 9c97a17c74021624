"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 15:21:16.854382
"""

from __future__ import annotations

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import bot.models.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job_name", sa.Text(), nullable=False),
        sa.Column("started_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_runs_job_name_started_at"), ["job_name", "started_at"], unique=False
        )

    op.create_table(
        "login_attempts",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_attempts_key_created_at"), ["key", "created_at"], unique=False
        )

    op.create_table(
        "projects",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("whatsapp_number", sa.Text(), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("upi_vpa", sa.Text(), nullable=True),
        sa.Column("default_region", sa.Text(), nullable=False),
        sa.Column(
            "settings_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("whatsapp_number", name=op.f("uq_projects_whatsapp_number")),
    )
    op.create_table(
        "audit_log",
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.Column(
            "old_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "new_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("timestamp", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("turn_id", sa.Uuid(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("reverted_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("ck_audit_log_action")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_audit_log_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_log_project_id_changed_by_timestamp"),
            ["project_id", "changed_by", "timestamp"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_project_id_idempotency_key"),
            ["project_id", "idempotency_key"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_project_id_turn_id"), ["project_id", "turn_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_log_table_name_record_id"),
            ["table_name", "record_id"],
            unique=False,
        )

    op.create_table(
        "campaigns",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'completed')", name=op.f("ck_campaigns_status")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_campaigns_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaigns_project_id_start_date"),
            ["project_id", "start_date"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_campaigns_project_id_status"), ["project_id", "status"], unique=False
        )

    op.create_table(
        "events",
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("timestamp", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_events_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_project_id_event_type_timestamp"),
            ["project_id", "event_type", "timestamp"],
            unique=False,
        )

    op.create_table(
        "file_links",
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "entity_type IN ('contact', 'campaign', 'interaction', 'pledge', 'payment')",
            name=op.f("ck_file_links_entity_type"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_file_links_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_links")),
    )
    with op.batch_alter_table("file_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_file_links_project_id_entity_type_entity_id"),
            ["project_id", "entity_type", "entity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_file_links_project_id_file_id"), ["project_id", "file_id"], unique=False
        )

    op.create_table(
        "files",
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("storage_url", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_files_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_files_project_id_created_at"), ["project_id", "created_at"], unique=False
        )

    op.create_table(
        "model_prices",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("input_per_mtok", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("output_per_mtok", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("cache_read_per_mtok", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("cache_write_per_mtok", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_model_prices_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_prices")),
        sa.UniqueConstraint(
            "project_id",
            "provider",
            "model",
            name=op.f("uq_model_prices_project_id_provider_model"),
        ),
    )
    op.create_table(
        "teams",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("leaderboard_enabled", sa.Boolean(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_teams_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teams_project_id_name"), ["project_id", "name"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("quiet_hours_start", sa.Text(), nullable=False),
        sa.Column("quiet_hours_end", sa.Text(), nullable=False),
        sa.Column("morning_brief_at", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('ADMIN', 'USER', 'GUEST', 'DEVELOPER')", name=op.f("ck_users_role")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_users_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("project_id", "phone", name=op.f("uq_users_project_id_phone")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_project_id_is_active"), ["project_id", "is_active"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_users_project_id_role"), ["project_id", "role"], unique=False
        )

    op.create_table(
        "vectors",
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("vector_id", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column(
            "embedding",
            sa.LargeBinary().with_variant(pgvector.sqlalchemy.vector.VECTOR(), "postgresql"),
            nullable=True,
        ),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column("embedding_dim", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "namespace IN ('kb', 'contacts', 'interactions', 'campaigns')",
            name=op.f("ck_vectors_namespace"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_vectors_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vectors")),
        sa.UniqueConstraint(
            "project_id",
            "namespace",
            "vector_id",
            name=op.f("uq_vectors_project_id_namespace_vector_id"),
        ),
    )
    with op.batch_alter_table("vectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vectors_project_id_contact_id"),
            ["project_id", "contact_id"],
            unique=False,
        )

    op.create_table(
        "campaign_goals",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("target_amount", bot.models.types.Money(precision=12, scale=2), nullable=False),
        sa.Column("target_contacts", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("target_amount >= 0", name=op.f("ck_campaign_goals_target_amount")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_goals_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_campaign_goals_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_goals")),
        sa.UniqueConstraint("campaign_id", "date", name=op.f("uq_campaign_goals_campaign_id_date")),
    )
    with op.batch_alter_table("campaign_goals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_goals_project_id_campaign_id_date"),
            ["project_id", "campaign_id", "date"],
            unique=False,
        )

    op.create_table(
        "contacts",
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("primary_channel", sa.Text(), nullable=False),
        sa.Column("relationship_strength", sa.SmallInteger(), nullable=False),
        sa.Column("capacity_band", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("last_contacted_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("next_suggested_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("assigned_to_user_id", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "primary_channel IN ('whatsapp', 'call', 'email', 'sms')",
            name=op.f("ck_contacts_primary_channel"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'do_not_contact')", name=op.f("ck_contacts_status")
        ),
        sa.CheckConstraint(
            "relationship_strength BETWEEN 1 AND 5", name=op.f("ck_contacts_relationship_strength")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_user_id"],
            ["users.id"],
            name=op.f("fk_contacts_assigned_to_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_contacts_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_assigned_to_user_id"),
            ["project_id", "assigned_to_user_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_display_name"),
            ["project_id", "display_name"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_last_contacted_at"),
            ["project_id", "last_contacted_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_next_suggested_at"),
            ["project_id", "next_suggested_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_relationship_strength"),
            ["project_id", "relationship_strength"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_project_id_status"), ["project_id", "status"], unique=False
        )

    op.create_table(
        "kb_documents",
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name=op.f("fk_kb_documents_file_id_files")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_kb_documents_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_documents")),
    )
    with op.batch_alter_table("kb_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_kb_documents_project_id_title"), ["project_id", "title"], unique=False
        )

    op.create_table(
        "leaderboards_daily",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("connects", sa.Integer(), nullable=False),
        sa.Column("pledges_count", sa.Integer(), nullable=False),
        sa.Column("pledged_amount", bot.models.types.Money(precision=12, scale=2), nullable=False),
        sa.Column("received_amount", bot.models.types.Money(precision=12, scale=2), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('user', 'team')", name=op.f("ck_leaderboards_daily_scope")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_leaderboards_daily_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_leaderboards_daily_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_leaderboards_daily_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboards_daily")),
        sa.UniqueConstraint(
            "project_id",
            "date",
            "scope",
            "scope_id",
            name=op.f("uq_leaderboards_daily_project_id_date_scope_scope_id"),
        ),
    )
    op.create_table(
        "login_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("expires_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_login_tokens_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_tokens")),
    )
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_tokens_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("whatsapp_thread_id", sa.Text(), nullable=True),
        sa.Column(
            "state_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('whatsapp', 'call', 'email', 'sms')", name=op.f("ck_sessions_channel")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_sessions_project_id_projects")
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_sessions_team_id_teams")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sessions_project_id_user_id_last_activity_at"),
            ["project_id", "user_id", "last_activity_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_sessions_project_id_whatsapp_thread_id"),
            ["project_id", "whatsapp_thread_id"],
            unique=False,
        )

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("member_role", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "member_role IN ('ADMIN', 'MEMBER')", name=op.f("ck_team_members_member_role")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_team_members_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_team_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_members")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_team_members_team_id_user_id")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_members_project_id_user_id"),
            ["project_id", "user_id"],
            unique=False,
        )

    op.create_table(
        "agent_logs",
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("agent_id", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("tool_use_id", sa.Text(), nullable=True),
        sa.Column(
            "input_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("execution_time_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('ok', 'error', 'refused')", name=op.f("ck_agent_logs_status")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_agent_logs_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_agent_logs_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agent_logs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_logs")),
    )
    with op.batch_alter_table("agent_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_logs_project_id_action_created_at"),
            ["project_id", "action", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_agent_logs_project_id_created_at"),
            ["project_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_agent_logs_project_id_session_id_created_at"),
            ["project_id", "session_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_agent_logs_project_id_status_created_at"),
            ["project_id", "status", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_agent_logs_project_id_user_id_created_at"),
            ["project_id", "user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "contact_identities",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_whatsapp_capable", sa.Boolean(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("type IN ('phone', 'email')", name=op.f("ck_contact_identities_type")),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_identities_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_contact_identities_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_identities")),
        sa.UniqueConstraint(
            "project_id", "type", "value", name=op.f("uq_contact_identities_project_id_type_value")
        ),
    )
    with op.batch_alter_table("contact_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_identities_project_id_contact_id"),
            ["project_id", "contact_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_identities_project_id_value"),
            ["project_id", "value"],
            unique=False,
        )

    op.create_table(
        "contact_tags",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_tags_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_contact_tags_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_tags")),
        sa.UniqueConstraint("contact_id", "tag", name=op.f("uq_contact_tags_contact_id_tag")),
    )
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_tags_project_id_contact_id"),
            ["project_id", "contact_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_contact_tags_project_id_tag"), ["project_id", "tag"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("amount_pledged", bot.models.types.Money(precision=12, scale=2), nullable=True),
        sa.Column("amount_received", bot.models.types.Money(precision=12, scale=2), nullable=True),
        sa.Column("occurred_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('whatsapp', 'call', 'email', 'sms')", name=op.f("ck_interactions_channel")
        ),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')", name=op.f("ck_interactions_direction")
        ),
        sa.CheckConstraint(
            "outcome IN ('no_response', 'spoke', 'pledged', 'paid', 'declined', 'reschedule', "
            "'wrong_number', 'do_not_contact')",
            name=op.f("ck_interactions_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_interactions_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_interactions_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["users.id"],
            name=op.f("fk_interactions_created_by_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_interactions_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_interactions_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_project_id_campaign_id_occurred_at"),
            ["project_id", "campaign_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_project_id_contact_id_occurred_at"),
            ["project_id", "contact_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_project_id_created_by_user_id_occurred_at"),
            ["project_id", "created_by_user_id", "occurred_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_project_id_outcome_occurred_at"),
            ["project_id", "outcome", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "memories",
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("memory_type", sa.Text(), nullable=False),
        sa.Column("importance", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "embedding",
            sa.LargeBinary().with_variant(pgvector.sqlalchemy.vector.VECTOR(), "postgresql"),
            nullable=True,
        ),
        sa.Column("embedding_model", sa.Text(), nullable=True),
        sa.Column("embedding_dim", sa.Integer(), nullable=True),
        sa.Column("deleted_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "importance IN ('low', 'medium', 'high')", name=op.f("ck_memories_importance")
        ),
        sa.CheckConstraint(
            "memory_type IN ('contact_profile', 'contact_history_summary', "
            "'operator_preferences', 'campaign_playbook')",
            name=op.f("ck_memories_memory_type"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_memories_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_memories_project_id_projects")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_memories_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memories")),
    )
    with op.batch_alter_table("memories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memories_project_id_contact_id"),
            ["project_id", "contact_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_memories_project_id_content_hash"),
            ["project_id", "content_hash"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_memories_project_id_memory_type"),
            ["project_id", "memory_type"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_memories_project_id_user_id"), ["project_id", "user_id"], unique=False
        )

    op.create_table(
        "messages_inbound_outbound",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("twilio_sid", sa.Text(), nullable=True),
        sa.Column("thread_key", sa.Text(), nullable=True),
        sa.Column("from_number", sa.Text(), nullable=False),
        sa.Column("to_number", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("num_media", sa.Integer(), nullable=False),
        sa.Column(
            "media_json",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("profile_name", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("locked_by", sa.Text(), nullable=True),
        sa.Column("error_code", sa.Text(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("reply_to_id", sa.Uuid(), nullable=True),
        sa.Column("content_sid", sa.Text(), nullable=True),
        sa.Column("processed_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("sent_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("updated_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('whatsapp', 'call', 'email', 'sms')",
            name=op.f("ck_messages_inbound_outbound_channel"),
        ),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')",
            name=op.f("ck_messages_inbound_outbound_direction"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'processing', 'done', 'failed', 'ignored', 'pending', 'sent', "
            "'delivered', 'read', 'undelivered', 'simulated', 'deferred')",
            name=op.f("ck_messages_inbound_outbound_status"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_messages_inbound_outbound_project_id_projects"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_messages_inbound_outbound_session_id_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_messages_inbound_outbound_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages_inbound_outbound")),
        sa.UniqueConstraint("twilio_sid", name=op.f("uq_messages_inbound_outbound_twilio_sid")),
    )
    with op.batch_alter_table("messages_inbound_outbound", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_project_id_created_at"),
            ["project_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_project_id_session_id_created_at"),
            ["project_id", "session_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_project_id_user_id_created_at"),
            ["project_id", "user_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_reply_to_id"), ["reply_to_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_status_direction_created_at"),
            ["status", "direction", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_messages_inbound_outbound_thread_key_created_at"),
            ["thread_key", "created_at"],
            unique=False,
        )

    op.create_table(
        "provider_usage",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("iterations", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("total_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_read_tokens", sa.Integer(), nullable=False),
        sa.Column("cache_write_tokens", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "provider IN ('anthropic', 'meta_llama')", name=op.f("ck_provider_usage_provider")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_provider_usage_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_provider_usage_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_provider_usage_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_usage")),
    )
    with op.batch_alter_table("provider_usage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_usage_project_id_created_at"),
            ["project_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_provider_usage_project_id_session_id_created_at"),
            ["project_id", "session_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_provider_usage_project_id_user_id_created_at"),
            ["project_id", "user_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "rlhf_interactions",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("prompt_type", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("draft", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "prompt_type IN ('next', 'due', 'start', 'stats', 'free')",
            name=op.f("ck_rlhf_interactions_prompt_type"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_rlhf_interactions_project_id_projects")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_rlhf_interactions_session_id_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rlhf_interactions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rlhf_interactions")),
    )
    with op.batch_alter_table("rlhf_interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rlhf_interactions_project_id_created_at"),
            ["project_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "followups",
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("suggested_message", sa.Text(), nullable=True),
        sa.Column("assigned_to_user_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("completed_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("nudge_claimed_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("nudge_claimed_by", sa.Text(), nullable=True),
        sa.Column("nudged_at", bot.models.types.UTCDateTime(), nullable=True),
        sa.Column("nudge_message_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('due', 'scheduled', 'done', 'cancelled')", name=op.f("ck_followups_status")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_user_id"],
            ["users.id"],
            name=op.f("fk_followups_assigned_to_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_followups_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_followups_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_followups_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_followups_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_followups_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followups_project_id_assigned_to_user_id_due_at"),
            ["project_id", "assigned_to_user_id", "due_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_followups_project_id_contact_id_due_at"),
            ["project_id", "contact_id", "due_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_followups_project_id_status_due_at"),
            ["project_id", "status", "due_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_followups_status_due_at"), ["status", "due_at"], unique=False
        )

    op.create_table(
        "pledges",
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("amount", bot.models.types.Money(precision=12, scale=2), nullable=False),
        sa.Column("pledged_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("expected_by", sa.Date(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'fulfilled', 'cancelled')", name=op.f("ck_pledges_status")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_pledges_amount")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_pledges_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_pledges_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_pledges_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_pledges_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_pledges_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pledges_project_id_contact_id_pledged_at"),
            ["project_id", "contact_id", "pledged_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_pledges_project_id_status"), ["project_id", "status"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("pledge_id", sa.Uuid(), nullable=True),
        sa.Column("interaction_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("amount", bot.models.types.Money(precision=12, scale=2), nullable=False),
        sa.Column("paid_at", bot.models.types.UTCDateTime(), nullable=False),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_user_id", sa.Uuid(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "method IS NULL OR method IN ('upi', 'bank', 'cash', 'card', 'other')",
            name=op.f("ck_payments_method"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'failed', 'refunded')",
            name=op.f("ck_payments_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount")),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_payments_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_payments_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"], ["users.id"], name=op.f("fk_payments_created_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_payments_interaction_id_interactions"),
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledges.id"], name=op.f("fk_payments_pledge_id_pledges")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_payments_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_project_id_contact_id_paid_at"),
            ["project_id", "contact_id", "paid_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_payments_project_id_paid_at"), ["project_id", "paid_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_payments_project_id_pledge_id"),
            ["project_id", "pledge_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_project_id_pledge_id"))
        batch_op.drop_index(batch_op.f("ix_payments_project_id_paid_at"))
        batch_op.drop_index(batch_op.f("ix_payments_project_id_contact_id_paid_at"))

    op.drop_table("payments")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledges_project_id_status"))
        batch_op.drop_index(batch_op.f("ix_pledges_project_id_contact_id_pledged_at"))

    op.drop_table("pledges")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_status_due_at"))
        batch_op.drop_index(batch_op.f("ix_followups_project_id_status_due_at"))
        batch_op.drop_index(batch_op.f("ix_followups_project_id_contact_id_due_at"))
        batch_op.drop_index(batch_op.f("ix_followups_project_id_assigned_to_user_id_due_at"))

    op.drop_table("followups")
    with op.batch_alter_table("rlhf_interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rlhf_interactions_project_id_created_at"))

    op.drop_table("rlhf_interactions")
    with op.batch_alter_table("provider_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_usage_project_id_user_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_provider_usage_project_id_session_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_provider_usage_project_id_created_at"))

    op.drop_table("provider_usage")
    with op.batch_alter_table("messages_inbound_outbound", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_inbound_outbound_thread_key_created_at"))
        batch_op.drop_index(batch_op.f("ix_messages_inbound_outbound_status_direction_created_at"))
        batch_op.drop_index(batch_op.f("ix_messages_inbound_outbound_reply_to_id"))
        batch_op.drop_index(
            batch_op.f("ix_messages_inbound_outbound_project_id_user_id_created_at")
        )
        batch_op.drop_index(
            batch_op.f("ix_messages_inbound_outbound_project_id_session_id_created_at")
        )
        batch_op.drop_index(batch_op.f("ix_messages_inbound_outbound_project_id_created_at"))

    op.drop_table("messages_inbound_outbound")
    with op.batch_alter_table("memories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memories_project_id_user_id"))
        batch_op.drop_index(batch_op.f("ix_memories_project_id_memory_type"))
        batch_op.drop_index(batch_op.f("ix_memories_project_id_content_hash"))
        batch_op.drop_index(batch_op.f("ix_memories_project_id_contact_id"))

    op.drop_table("memories")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_project_id_outcome_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_interactions_project_id_created_by_user_id_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_interactions_project_id_contact_id_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_interactions_project_id_campaign_id_occurred_at"))

    op.drop_table("interactions")
    with op.batch_alter_table("contact_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_tags_project_id_tag"))
        batch_op.drop_index(batch_op.f("ix_contact_tags_project_id_contact_id"))

    op.drop_table("contact_tags")
    with op.batch_alter_table("contact_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_identities_project_id_value"))
        batch_op.drop_index(batch_op.f("ix_contact_identities_project_id_contact_id"))

    op.drop_table("contact_identities")
    with op.batch_alter_table("agent_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_logs_project_id_user_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_agent_logs_project_id_status_created_at"))
        batch_op.drop_index(batch_op.f("ix_agent_logs_project_id_session_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_agent_logs_project_id_created_at"))
        batch_op.drop_index(batch_op.f("ix_agent_logs_project_id_action_created_at"))

    op.drop_table("agent_logs")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_project_id_user_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_project_id_whatsapp_thread_id"))
        batch_op.drop_index(batch_op.f("ix_sessions_project_id_user_id_last_activity_at"))

    op.drop_table("sessions")
    with op.batch_alter_table("login_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_tokens_token_hash"))

    op.drop_table("login_tokens")
    op.drop_table("leaderboards_daily")
    with op.batch_alter_table("kb_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_documents_project_id_title"))

    op.drop_table("kb_documents")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_status"))
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_relationship_strength"))
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_next_suggested_at"))
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_last_contacted_at"))
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_display_name"))
        batch_op.drop_index(batch_op.f("ix_contacts_project_id_assigned_to_user_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("campaign_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_goals_project_id_campaign_id_date"))

    op.drop_table("campaign_goals")
    with op.batch_alter_table("vectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vectors_project_id_contact_id"))

    op.drop_table("vectors")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_project_id_role"))
        batch_op.drop_index(batch_op.f("ix_users_project_id_is_active"))

    op.drop_table("users")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_project_id_name"))

    op.drop_table("teams")
    op.drop_table("model_prices")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_files_project_id_created_at"))

    op.drop_table("files")
    with op.batch_alter_table("file_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_links_project_id_file_id"))
        batch_op.drop_index(batch_op.f("ix_file_links_project_id_entity_type_entity_id"))

    op.drop_table("file_links")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_project_id_event_type_timestamp"))

    op.drop_table("events")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_project_id_status"))
        batch_op.drop_index(batch_op.f("ix_campaigns_project_id_start_date"))

    op.drop_table("campaigns")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_table_name_record_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_project_id_turn_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_project_id_idempotency_key"))
        batch_op.drop_index(batch_op.f("ix_audit_log_project_id_changed_by_timestamp"))

    op.drop_table("audit_log")
    op.drop_table("projects")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_attempts_key_created_at"))

    op.drop_table("login_attempts")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_job_name_started_at"))

    op.drop_table("job_runs")
