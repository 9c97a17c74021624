"""Contract tests of the ZeroDB client and backend against the in-repo fake server."""

from __future__ import annotations

import logging
import time

import pytest

from bot.app import create_app
from bot.store import ProjectScope
from memory import service_for
from memory.remote import ZeroDBMemoryService
from memory.zerodb import ZeroDBClient, ZeroDBError
from tests.factories import make_contact, make_project
from tests.zerodb_fake import FakeZeroDB


def _client(fake: FakeZeroDB, **kwargs) -> ZeroDBClient:
    kwargs.setdefault("backoff", 0.01)
    return ZeroDBClient(fake.url, fake.api_key, fake.project_id, **kwargs)


@pytest.mark.parametrize("variant", ["canonical", "alt", "data"])
def test_memory_store_and_search_in_every_documented_shape(variant: str) -> None:
    with FakeZeroDB(variant=variant) as fake:
        client = _client(fake)
        first = client.store_memory("Prefers Hindi on calls", {"contact_id": "c1"}, ["language"])
        client.store_memory("Call after Diwali", {"contact_id": "c1"}, [])
        client.store_memory("Prefers Hindi too", {"contact_id": "c2"}, [])
        hits = client.search_memory("hindi calls", 5, {"contact_id": "c1"})
        client.close()
    assert [h.content for h in hits] == ["Prefers Hindi on calls"]
    assert hits[0].id == first and hits[0].score == 1.0
    assert hits[0].metadata == {"contact_id": "c1"}
    request = fake.requests[0]
    assert request["path"] == f"/v1/public/{fake.project_id}/database/memory"
    assert request["headers"]["x-api-key"] == fake.api_key
    assert request["json"] == {
        "content": "Prefers Hindi on calls",
        "metadata": {"contact_id": "c1"},
        "tags": ["language"],
    }
    assert fake.requests[-1]["json"] == {
        "query": "hindi calls",
        "limit": 5,
        "filters": {"contact_id": "c1"},
    }


@pytest.mark.parametrize("variant", ["canonical", "alt", "data"])
def test_embed_and_store_then_search(variant: str) -> None:
    with FakeZeroDB(variant=variant) as fake:
        client = _client(fake)
        stored = client.embed_and_store(
            "kb",
            [
                {"id": "kb:1:000", "text": "Pitch: scholarships for girls", "metadata": {"t": 1}},
                {"id": "kb:1:001", "text": "Objection: already gave", "metadata": {"t": 2}},
            ],
        )
        hits = client.search_embeddings("kb", "girls scholarships", 1)
    assert stored == 2
    assert [(h.id, h.content, h.metadata) for h in hits] == [
        ("kb:1:000", "Pitch: scholarships for girls", {"t": 1})
    ]
    body = fake.requests[0]["json"]
    assert body["model"] == "BAAI/bge-small-en-v1.5" and body["namespace"] == "kb"
    assert fake.requests[1]["json"]["top_k"] == 1


def test_a_model_with_other_dimensions_is_refused() -> None:
    with FakeZeroDB(dimensions=768) as fake, pytest.raises(ZeroDBError, match="768 dims"):
        _client(fake).embed_and_store("kb", [{"id": "kb:1", "text": "x", "metadata": {}}])


def test_server_errors_are_retried_then_reported() -> None:
    with FakeZeroDB() as fake:
        client = _client(fake, retries=2)
        fake.fail_with = [503, 500]
        assert client.store_memory("Recovered", {}, [])
        assert len(fake.requests) == 3
        fake.fail_with = [500, 502, 503]
        with pytest.raises(ZeroDBError, match="after 3 attempts"):
            client.search_memory("x", 5)


def test_client_errors_are_not_retried() -> None:
    with FakeZeroDB() as fake:
        bad_key = ZeroDBClient(fake.url, "wrong", fake.project_id, backoff=0.01)
        with pytest.raises(ZeroDBError, match="HTTP 401 Invalid API key"):
            bad_key.search_memory("x", 5)
        assert len(fake.requests) == 1
        fake.fail_with = [422]
        with pytest.raises(ZeroDBError, match="HTTP 422"):
            _client(fake).store_memory("x", {}, [])


def test_timeouts_are_bounded() -> None:
    with FakeZeroDB() as fake:
        fake.delay = 0.5
        started = time.monotonic()
        with pytest.raises(ZeroDBError, match="failed after 2 attempts"):
            _client(fake, timeout=0.1, retries=1).search_memory("x", 5)
        assert time.monotonic() - started < 1.0
        fake.delay = 0


def test_store_falls_back_to_the_store_subpath() -> None:
    with FakeZeroDB(store_path="database/memory/store", variant="alt") as fake:
        memory_id = _client(fake).store_memory("Prefers email", {}, [])
    assert memory_id and [r["path"].rsplit("/", 1)[-1] for r in fake.requests] == [
        "memory",
        "store",
    ]


def test_an_answer_without_results_is_an_error() -> None:
    with FakeZeroDB(variant="broken") as fake, pytest.raises(ZeroDBError, match="result list"):
        _client(fake).search_memory("hindi", 5)


def test_backend_searches_zerodb_and_falls_back_to_local_keywords(
    db_url, tmp_path, clock, caplog
) -> None:
    with FakeZeroDB() as fake:
        app = create_app(
            {
                "database_url": db_url,
                "instance_path": tmp_path / "instance",
                "secret_key": "t",
                "memory_backend": "zerodb",
                "zerodb_api_url": fake.url,
                "zerodb_api_key": fake.api_key,
                "zerodb_project_id": fake.project_id,
            },
            clock=clock,
        )
        runtime = app.extensions["calltime"]
        runtime.clients["zerodb"] = _client(fake, retries=0)
        project = make_project(runtime.db)
        anita = make_contact(runtime.db, project, "Anita")
        with runtime.db.session() as session:
            svc = service_for(runtime, ProjectScope(session, project.id))
            assert isinstance(svc, ZeroDBMemoryService)
            stored = svc.store(
                "Prefers Hindi on calls", {"memory_type": "contact_profile", "contact_id": anita.id}
            )
            svc.store(
                "Call after Diwali", {"memory_type": "contact_profile", "contact_id": anita.id}
            )
        assert fake.memories[0]["metadata"]["local_memory_id"] == stored.id
        assert fake.memories[0]["metadata"]["project_id"] == str(project.id)

        with runtime.db.session() as session:
            svc = service_for(runtime, ProjectScope(session, project.id))
            remote = svc.search("hindi calls", {"contact_id": anita.id})
            assert [(e.id, e.score) for e in remote] == [(stored.id, 1.0)]
            fake.fail_with = [500]
            with caplog.at_level(logging.ERROR, logger="memory.remote"):
                fallback = svc.search("hindi", {"contact_id": anita.id})
            assert [e.id for e in fallback] == [stored.id]
            assert "ZeroDB search failed, using local memory instead" in caplog.text
            fake.fail_with = [500]
            kept = svc.store(
                "Prefers WhatsApp", {"memory_type": "contact_profile", "contact_id": anita.id}
            )
            assert kept.content == "Prefers WhatsApp"
        with runtime.db.session() as session:
            svc = service_for(runtime, ProjectScope(session, project.id))
            svc.add_document("Objections", "## Already gave\nThank them; offer monthly giving.")
            stored_chunks = list(fake.vectors["kb"].values())
            assert [
                (c["metadata"]["title"], c["metadata"]["project_id"]) for c in stored_chunks
            ] == [("Objections", str(project.id))]
            remote_kb = svc.search_kb("already gave", 3)
            assert [(h.title, h.heading) for h in remote_kb] == [("Objections", "Already gave")]
            fake.fail_with = [500]
            local_kb = svc.search_kb("monthly giving", 3)
            assert [h.heading for h in local_kb] == ["Already gave"]
        assert app.test_client().get("/healthz").json["search"] == "zerodb+keyword-fallback"
        runtime.db.dispose()
