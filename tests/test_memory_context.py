"""Interaction hook, the next-action context (§10), the knowledge base and its CLI."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.models import Followup, Interaction, KbDocument, Memory, VectorRecord
from bot.store import ProjectScope
from memory import MemoryError
from memory.hooks import on_interaction_logged
from memory.kb import add_document, chunk_document, list_documents, remove_document, search_kb
from memory.retrieval import next_action_context
from memory.service import MemoryService
from memory.vectors import VectorIndex
from tests import memory_support
from tests.factories import make_contact, make_project
from tests.memory_support import OtherModel

# Shared fixtures: the tiny embedding model, built once per session.
tiny_model_dir = memory_support.tiny_model_dir
tiny_embedder = memory_support.tiny_embedder

PLAYBOOK = """# Winter scholarship drive

Opening for every call.

## Pitch script
Namaste! We are raising scholarships for 40 girls in rural schools.
Each 25k keeps one girl in school for a year.

## Objection: already gave elsewhere
Thank them for supporting another NGO; offer a smaller monthly pledge instead.

## Compliance
Always offer the 80G tax exemption receipt. Never promise tax benefits beyond 80G.
"""


def _log(scope, contact, now, outcome, summary, **kw):
    interaction = scope.insert(
        Interaction(
            contact_id=contact.id,
            channel="call",
            direction="outbound",
            outcome=outcome,
            summary=summary,
            occurred_at=now,
            **kw,
        )
    )
    return interaction


def test_interaction_hook_and_next_action_context(db, clock, tiny_embedder) -> None:
    project = make_project(db)
    anita = make_contact(db, project, "Anita Sharma")
    ravi = make_contact(db, project, "Ravi Kumar")
    now = clock.now()
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="test")
        memories = MemoryService(scope, tiny_embedder)
        memories.store(
            "Prefers Hindi on calls", {"memory_type": "contact_profile", "contact_id": anita.id}
        )
        for days, outcome, summary, amount in [
            (9, "no_response", "No answer, try evening", None),
            (3, "reschedule", "Busy travelling to Dubai, call after Diwali", None),
            (1, "pledged", "Pledged for girls scholarship, pays by UPI Friday", Decimal("25000")),
        ]:
            interaction = _log(
                scope, anita, now - timedelta(days=days), outcome, summary, amount_pledged=amount
            )
            on_interaction_logged(scope, interaction, embedder=tiny_embedder)
        other = _log(scope, ravi, now - timedelta(days=2), "pledged", "Pledged 10k by UPI")
        on_interaction_logged(scope, other, embedder=tiny_embedder)
        scope.insert(
            Followup(
                contact_id=anita.id,
                due_at=now - timedelta(hours=1),
                status="scheduled",
                reason="send_payment_link",
            )
        )
        scope.insert(
            Followup(
                contact_id=anita.id,
                due_at=now + timedelta(days=3),
                status="scheduled",
                reason="later",
            )
        )

    with db.session() as session:
        scope = ProjectScope(session, project.id)
        summaries = session.scalars(
            select(Memory).where(
                Memory.memory_type == "contact_history_summary", Memory.contact_id == anita.id
            )
        ).all()
        assert len(summaries) == 1, "the rolling summary is rewritten, not piled up"
        assert "pledged ₹25,000" in summaries[0].content
        assert summaries[0].content.index("Pledged for girls") < summaries[0].content.index(
            "No answer"
        )
        ids = {r.vector_id for r in session.scalars(select(VectorRecord))}
        assert f"contact:{anita.id}:profile:v1" in ids
        assert f"interaction:{interaction.id}:summary" in ids

        context = next_action_context(scope, anita.id, now, embedder=tiny_embedder)
        assert [i.outcome for i in context.recent_interactions] == [
            "pledged",
            "reschedule",
            "no_response",
        ]
        assert [f.reason for f in context.due_followups] == ["send_payment_link"]
        assert {m.memory_type for m in context.memories} == {
            "contact_profile",
            "contact_history_summary",
        }
        assert [h.contact_id for h in context.similar_interactions] == [ravi.id]
        text = context.as_text()
        assert "Prefers Hindi on calls" in text and "send_payment_link" in text


def test_a_failing_memory_update_never_loses_the_interaction(db, clock, tiny_embedder) -> None:
    project = make_project(db)
    anita = make_contact(db, project, "Anita")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        VectorIndex(scope, OtherModel()).upsert("interactions", "interaction:x:summary", "Old")
        interaction = _log(scope, anita, clock.now(), "spoke", "Asked about 80G receipt")
        assert on_interaction_logged(scope, interaction, embedder=tiny_embedder) is False
    with db.session() as session:
        assert session.get(Interaction, interaction.id) is not None
        assert session.scalars(select(Memory)).all() == []


def test_do_not_contact_gets_no_context(db, clock) -> None:
    project = make_project(db)
    blocked = make_contact(db, project, "Blocked Donor", status="do_not_contact")
    asker = make_contact(db, project, "Asker")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        for contact in (blocked, asker):
            done = _log(scope, contact, clock.now(), "pledged", "Pledged for girls scholarship")
            assert on_interaction_logged(scope, done, embedder=None)
        context = next_action_context(scope, asker.id, clock.now(), embedder=None)
        assert context.similar_interactions == []
    other_project_contact = make_contact(db, make_project(db, "Other"), "Someone")
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        with pytest.raises(MemoryError, match="do-not-contact"):
            next_action_context(scope, blocked.id, clock.now(), embedder=None)
        with pytest.raises(MemoryError, match="no such contact"):
            next_action_context(scope, other_project_contact.id, clock.now(), embedder=None)


def test_knowledge_base_add_search_replace_remove(db, tiny_embedder) -> None:
    project = make_project(db)
    assert [c.heading for c in chunk_document("Winter", PLAYBOOK)] == [
        "Winter scholarship drive",
        "Pitch script",
        "Objection: already gave elsewhere",
        "Compliance",
    ]
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="test")
        doc = add_document(scope, "Winter playbook", PLAYBOOK, "winter.md", embedder=tiny_embedder)
        hits = search_kb(
            scope, "donor already donated to another charity", 2, embedder=tiny_embedder
        )
        assert hits[0].heading == "Objection: already gave elsewhere"
        assert hits[0].title == "Winter playbook" and hits[0].document_id == str(doc.id)
        keyword_hits = search_kb(scope, "80G receipt", 1, embedder=None)
        assert keyword_hits[0].heading == "Compliance"

        shorter = PLAYBOOK.split("## Compliance")[0]
        again = add_document(scope, "Winter playbook", shorter, "winter.md", embedder=tiny_embedder)
        assert again.id == doc.id
        assert session.query(VectorRecord).filter_by(namespace="kb").count() == 3
        with pytest.raises(MemoryError, match="empty"):
            add_document(scope, "Blank", "  \n", embedder=None)
        remove_document(scope, "Winter playbook")
        assert list_documents(scope) == []
        assert search_kb(scope, "scholarship", 3, embedder=None) == []


def test_kb_cli_add_list_remove(runtime, tmp_path, monkeypatch, tiny_model_dir) -> None:
    project = make_project(runtime.db, "Asha Foundation")
    playbook = tmp_path / "winter_playbook.md"
    playbook.write_text(PLAYBOOK)
    notes = tmp_path / "compliance-notes.txt"
    notes.write_text("Consent: record that the donor agreed to WhatsApp updates.")
    bad = tmp_path / "donors.csv"
    bad.write_text("a,b")
    monkeypatch.setenv("CALLTIME_INSTANCE_PATH", str(runtime.settings.instance_path))
    monkeypatch.setenv("DATABASE_URL", runtime.settings.database_url)
    runner = CliRunner()

    result = runner.invoke(cli, ["kb", "add", str(playbook), str(notes), "--project", project.name])
    assert result.exit_code == 0, result.output
    assert "title='Winter scholarship drive'" in result.output and "chunks=4" in result.output
    assert "search mode: keyword" in result.output
    listed = runner.invoke(cli, ["kb", "list", "-p", project.name])
    assert "compliance notes" in listed.output and "Winter scholarship drive" in listed.output
    refused = runner.invoke(cli, ["kb", "add", str(bad), "-p", project.name])
    assert refused.exit_code != 0 and "only markdown or text" in refused.output
    removed = runner.invoke(cli, ["kb", "remove", "compliance notes", "-p", project.name])
    assert removed.exit_code == 0 and "removed" in removed.output
    missing = runner.invoke(cli, ["kb", "remove", "compliance notes", "-p", project.name])
    assert missing.exit_code != 0 and "no knowledge-base document" in missing.output
    status = runner.invoke(cli, ["models", "status"])
    assert "mode=keyword" in status.output

    # Rows written before a model was installed (as the demo seeds them) get embedded.
    with runtime.db.session() as session:
        scope = ProjectScope(session, project.id)
        scope.insert(
            KbDocument(title="Seeded", content="## Pitch\nScholarships.", content_hash="x")
        )
        MemoryService(scope).store("Prefers Hindi", {"memory_type": "campaign_playbook"})
    monkeypatch.setenv("CALLTIME_MODEL_DIR", str(tiny_model_dir))
    reindexed = runner.invoke(cli, ["models", "reindex", "-p", project.name])
    assert reindexed.exit_code == 0, reindexed.output
    assert "documents=2 memories_embedded=1 mode=hybrid" in reindexed.output
    with runtime.db.session() as session:
        rows = session.scalars(select(VectorRecord).where(VectorRecord.namespace == "kb")).all()
        assert len(rows) == 5 and all(r.embedding_dim == 32 for r in rows)


def test_the_memory_package_never_imports_flask() -> None:
    import subprocess
    import sys

    code = (
        "import sys, memory, memory.kb, memory.hooks, memory.retrieval, memory.remote;"
        "assert 'flask' not in sys.modules, 'memory imported flask'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
