"""The memory API on both engines: store, search, filters, delete, dedup, namespaces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import AuditLog, Memory, VectorRecord
from bot.store import ProjectScope
from memory import EmbeddingModelMismatch, MemoryError, service_for
from memory.service import MemoryService
from memory.vectors import VectorIndex
from tests import memory_support
from tests.factories import make_contact, make_project, make_user
from tests.memory_support import CountingEmbedder, OtherModel

# Shared fixtures: the tiny embedding model, built once per session.
tiny_model_dir = memory_support.tiny_model_dir
tiny_embedder = memory_support.tiny_embedder


@pytest.fixture(params=["keyword", "tiny-model"])
def embedder(request, tiny_embedder):
    return None if request.param == "keyword" else tiny_embedder


def _profile(contact, **extra):
    return {"memory_type": "contact_profile", "contact_id": contact.id, **extra}


def test_store_search_filter_delete(db, embedder) -> None:
    project = make_project(db)
    anita, ravi = make_contact(db, project, "Anita"), make_contact(db, project, "Ravi")
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id, actor="test"), embedder)
        hindi = svc.store("Prefers Hindi on calls", _profile(anita), ["language"])
        svc.store("Objection: already gave to another NGO this year", _profile(anita))
        svc.store("Prefers Hindi, call after 7 pm", _profile(ravi, importance="high"))
        svc.store("Keep messages short", {"memory_type": "operator_preferences"}, ["tone"])

    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), embedder)
        found = svc.search("hindi calls", limit=5)
        assert {e.content for e in found[:2]} == {
            "Prefers Hindi on calls",
            "Prefers Hindi, call after 7 pm",
        }
        assert all(e.score is not None and e.score > 0 for e in found)
        only_anita = svc.search("hindi", {"contact_id": anita.id})
        assert [e.id for e in only_anita][:1] == [hindi.id]
        assert all(e.contact_id == anita.id for e in only_anita)
        assert [e.content for e in svc.search("hindi", {"importance": "high"})] == [
            "Prefers Hindi, call after 7 pm"
        ]
        assert [e.content for e in svc.list({"tags": ["tone"]})] == ["Keep messages short"]
        assert svc.list({"memory_type": "operator_preferences", "tags": "language"}) == []
        assert svc.delete(hindi.id) is True
        assert svc.delete(hindi.id) is False
        assert hindi.id not in {e.id for e in svc.search("hindi", limit=10)}
        assert svc.search_mode == ("keyword" if embedder is None else "hybrid")


def test_near_duplicates_merge(db, embedder) -> None:
    project = make_project(db)
    anita, ravi = make_contact(db, project, "Anita"), make_contact(db, project, "Ravi")
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), embedder)
        first = svc.store("Prefers Hindi on calls", _profile(anita), ["language"])
        again = svc.store("  prefers hindi ON calls ", _profile(anita, importance="high"), ["x"])
        reworded = svc.store("Prefers Hindi on phone calls", _profile(anita))
        other_subject = svc.store("Prefers Hindi on calls", _profile(ravi))
        assert again.merged and again.id == first.id
        assert again.importance == "high" and again.tags == ["language", "x"]
        assert reworded.merged and reworded.id == first.id
        assert reworded.content == "Prefers Hindi on phone calls"
        assert not other_subject.merged and other_subject.id != first.id
        count = session.scalar(select(func.count()).select_from(Memory))
        assert count == 2


def test_bad_input_is_refused_and_nothing_written(db) -> None:
    project = make_project(db)
    other = make_project(db, "Other Trust")
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), None)
        cases = [
            ("", {"memory_type": "contact_profile"}, None, "needs some content"),
            ("x", {"memory_type": "gossip"}, None, "memory_type"),
            ("x", {"memory_type": "contact_profile", "importance": "urgent"}, None, "importance"),
            ("x", {"memory_type": "contact_profile", "contact_id": "nope"}, None, "contact_id"),
            ("x", {"memory_type": "contact_profile", "project_id": other.id}, None, "another"),
            ("x" * 2001, {"memory_type": "contact_profile"}, None, "at most 2000"),
            ("x", {"memory_type": "contact_profile"}, [""], "tags"),
        ]
        for content, metadata, tags, message in cases:
            with pytest.raises(MemoryError, match=message):
                svc.store(content, metadata, tags)
        with pytest.raises(MemoryError, match="unknown_key"):
            svc.search("x", {"unknown_key": 1})
        assert session.scalar(select(func.count()).select_from(Memory)) == 0
        assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_projects_never_see_each_other(db, tiny_embedder) -> None:
    mine, theirs = make_project(db), make_project(db, "Other Trust")
    with db.session() as session:
        secret = MemoryService(ProjectScope(session, theirs.id), tiny_embedder).store(
            "Prefers Hindi on calls", {"memory_type": "campaign_playbook"}
        )
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, mine.id), tiny_embedder)
        assert svc.search("hindi calls") == []
        assert svc.list() == []
        assert svc.get(secret.id) is None
        assert svc.delete(secret.id) is False


def test_writes_are_audited_with_the_actor(db) -> None:
    project = make_project(db)
    user = make_user(db, project)
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id, actor=f"user:{user.id}"))
        entry = svc.store(
            "Likes short updates", {"memory_type": "operator_preferences", "user_id": user.id}
        )
        rows = session.scalars(select(AuditLog).where(AuditLog.record_id == entry.id)).all()
        assert [(r.action, r.changed_by) for r in rows] == [("insert", f"user:{user.id}")]


def test_unchanged_text_is_not_embedded_again(db, tiny_embedder) -> None:
    project = make_project(db)
    counting = CountingEmbedder(tiny_embedder)
    with db.session() as session:
        index = VectorIndex(ProjectScope(session, project.id), counting)
        index.upsert("kb", "kb:doc-1", "Pitch: scholarships for girls", {"type": "kb_doc"})
        index.upsert("kb", "kb:doc-1", "Pitch: scholarships for girls", {"type": "kb_doc"})
        assert counting.texts == ["Pitch: scholarships for girls"]
        index.upsert("kb", "kb:doc-1", "Pitch: school meals", {"type": "kb_doc"})
        assert counting.texts[-1] == "Pitch: school meals"
        row = session.scalars(select(VectorRecord)).one()
        assert (row.embedding_model, row.embedding_dim) == (tiny_embedder.model_name, 32)


def test_a_namespace_refuses_another_model(db, tiny_embedder) -> None:
    project = make_project(db)
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        VectorIndex(scope, tiny_embedder).upsert("kb", "kb:a", "Pitch script")
        MemoryService(scope, tiny_embedder).store("Short", {"memory_type": "campaign_playbook"})
    with db.session() as session:
        scope = ProjectScope(session, project.id)
        other = VectorIndex(scope, OtherModel())
        with pytest.raises(EmbeddingModelMismatch, match="holds 32-dim vectors of calltime"):
            other.upsert("kb", "kb:b", "Objection handling")
        with pytest.raises(EmbeddingModelMismatch, match="'kb'"):
            other.search("kb", "pitch")
        other.upsert("campaigns", "campaign:1:brief", "Winter drive")  # another namespace: fine
        with pytest.raises(EmbeddingModelMismatch, match="'memories'"):
            MemoryService(scope, OtherModel()).search("short")
        with pytest.raises(MemoryError, match="unknown namespace"):
            other.upsert("donors", "x", "y")


def test_service_for_uses_the_runtime_model(runtime, tiny_model_dir, monkeypatch) -> None:
    monkeypatch.setenv("CALLTIME_MODEL_DIR", str(tiny_model_dir))
    project = make_project(runtime.db)
    with runtime.db.session() as session:
        svc = service_for(runtime, ProjectScope(session, project.id))
        assert svc.search_mode == "hybrid"
        assert svc.embedder.model_name == "calltime/tiny-test-embedder"


def test_healthz_names_the_search_mode(client, runtime) -> None:
    response = client.get("/healthz")
    assert response.json["search"] == "keyword"


def test_large_selections_take_the_scaled_paths(db, tiny_embedder, monkeypatch) -> None:
    """With a tiny threshold, SQLite's cached matrix and FTS top-N paths run; results agree."""
    import memory.search

    monkeypatch.setattr(memory.search, "SMALL_SUBSET", 2)
    project, other = make_project(db), make_project(db, "Other Trust")
    texts = ["Prefers Hindi on calls", "Pays by UPI", "Needs the 80G receipt", "Call after Diwali"]
    with db.session() as session:
        MemoryService(ProjectScope(session, other.id), tiny_embedder).store(
            "Prefers Hindi calls too", {"memory_type": "campaign_playbook"}
        )
        svc = MemoryService(ProjectScope(session, project.id), tiny_embedder)
        ids = [svc.store(t, {"memory_type": "campaign_playbook"}).id for t in texts]
    for _ in range(2):  # the second search reuses the cached matrix
        with db.session() as session:
            svc = MemoryService(ProjectScope(session, project.id), tiny_embedder)
            assert svc.vector_search("hindi phone calls", limit=1)[0].id == ids[0]
            assert [e.id for e in svc.keyword_search("receipt", limit=2)] == [ids[2]]
    assert memory.search._MATRICES or db.dialect == "postgresql"
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), tiny_embedder)
        newer = svc.store(
            "Speaks Tamil language on phone calls", {"memory_type": "campaign_playbook"}
        )
        svc.delete(ids[0])
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), tiny_embedder)
        found = [e.id for e in svc.vector_search("hindi phone calls", limit=5)]
        assert newer.id in found and ids[0] not in found
        assert all(e.id in ids + [newer.id] for e in svc.search("hindi calls", limit=5))
