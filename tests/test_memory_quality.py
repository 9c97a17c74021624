"""Retrieval quality on a fixed set: recall@5 of keyword, vector (tiny model) and fused search.

The memories and queries were written for this test: what operators record about donors
and what the bot asks before a call. The tiny model only knows a few synonym groups, so
the vector numbers say little about bge-small; the test guards the fusion itself: fused
search must never be worse than keyword search alone.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import Contact, Memory
from bot.store import ProjectScope
from memory.service import MemoryService
from tests import memory_support
from tests.factories import make_project

tiny_model_dir = memory_support.tiny_model_dir
tiny_embedder = memory_support.tiny_embedder

MEMORIES = [
    "Prefers Hindi when we call",  # 0
    "Speaks Tamil at home, happy to talk in English",
    "Wants calls only in the evening after office",
    "Do not call on Sunday mornings",
    "Already gave to another NGO this year for flood relief",
    "Donated to a temple trust last month, budget is tight",  # 5
    "Travelling abroad in Dubai until mid December",
    "Busy with meetings in London this week",
    "Recovering from surgery, keep the conversation brief",
    "Mother is in hospital, call back later",
    "Pays by UPI, send the payment link on WhatsApp",  # 10
    "Prefers cheque, collect from the office",
    "Needs the 80G receipt for tax exemption",
    "Asked for a tax certificate before paying",
    "Interested in the girls scholarship program",
    "Sponsors a child's education every year",  # 15
    "Wants photos and impact stories from the village",
    "Likes the quarterly newsletter report",
    "Keep the tone formal, address him as sir",
    "Friendly and informal, first name is fine",
    "Call after Diwali, festival season is hectic",  # 20
    "Remind again after Holi",
    "Renews a monthly pledge every April",
    "Annual donor, renewal due in March",
    "Retired doctor, likes detailed numbers",
    "Startup founder, prefers short WhatsApp messages",  # 25
    "Never mention politics or religion",
    "Complained about a late receipt last year",
    "Pledged 50k, will pay by bank transfer",
    "Prefers email over phone",
    "Wife handles donations, speak to her",  # 30
    "Son studies abroad, family budget tight this year",
    "Keen on the meals program for school children",
    "Supports clean water in rural villages",
    "Wants to visit the project site before giving more",
    "Declined twice, only try again next year",  # 35
    "No response to the last three calls, try SMS",
    "Teacher, can give small amounts monthly",
    "Lawyer, asks for compliance and consent records",
    "Happy to be a sponsor for the campaign goal",
    "Prefers Marathi language for calls",  # 40
    "Not available on weekends",
    "Gave cash at the event, needs a receipt",
    "Wants updates on the books distribution",
    "Sick with fever, postpone the call",
    "Accountant, will check 80G eligibility",  # 45
    "Objection: charity overheads are too high",
    "Asked us to reschedule to Monday morning",
    "Prefers text messages to calls",
    "Engineer, interested in the water project data",
    "Warm relationship, long calls are welcome",  # 50
    "Businessman, give the pitch in two minutes",
]

QUERIES = {
    "which language should I speak, Hindi Tamil or Marathi": {0, 1, 40},
    "donor already donated to another charity": {4, 5},
    "donor is travelling abroad": {6, 7},
    "health issue, hospital or surgery": {8, 9, 44},
    "how will they pay: UPI, cheque or bank": {10, 11, 28},
    "tax exemption receipt 80G": {12, 13, 42, 45},
    "education scholarship for children": {14, 15, 43},
    "send the impact report and photos": {16, 17},
    "formal respectful tone": {18},
    "call after the festival": {20, 21},
    "monthly renewal": {22, 23, 37},
    "keep it short and brief": {8, 25, 51},
    "avoid politics and religion": {26},
    "complaint about a receipt delay": {27},
    "prefers messages over phone calls": {25, 48, 36},
    "wife handles donations": {30},
    "food, meals and water programs": {32, 33},
    "wants to see the village project site": {16, 34},
    "declined, not interested": {35},
    "weekend and Sunday availability": {3, 41},
    "reschedule or postpone the call": {44, 47, 9},
    "numbers and data for analytical donors": {24, 49},
    "sponsor the campaign goal": {39, 15},
}


def _recall(found_ids: list[str], relevant: set[str]) -> float:
    return len(set(found_ids[:5]) & relevant) / len(relevant)


def test_recall_at_5_keyword_vector_fused(db, tiny_embedder) -> None:
    project = make_project(db)
    with db.session() as session:
        scope = ProjectScope(session, project.id, actor="test")
        contacts = [scope.insert(Contact(display_name=f"Donor {n}")) for n in range(13)]
        svc = MemoryService(scope, tiny_embedder)
        ids = [
            svc.store(
                text, {"memory_type": "contact_profile", "contact_id": contacts[n % 13].id}
            ).id
            for n, text in enumerate(MEMORIES)
        ]
        assert session.scalar(select(func.count()).select_from(Memory)) == len(MEMORIES)

    recalls: dict[str, list[float]] = {"keyword": [], "vector": [], "fused": []}
    with db.session() as session:
        svc = MemoryService(ProjectScope(session, project.id), tiny_embedder)
        for query, relevant_idx in QUERIES.items():
            relevant = {ids[i] for i in relevant_idx}
            runs = {
                "keyword": svc.keyword_search(query, limit=5),
                "vector": svc.vector_search(query, limit=5),
                "fused": svc.search(query, limit=5),
            }
            for name, found in runs.items():
                recalls[name].append(_recall([e.id for e in found], relevant))
    means = {name: sum(v) / len(v) for name, v in recalls.items()}
    engine = db.dialect
    print(
        f"\nrecall@5 on {engine} over {len(MEMORIES)} memories, {len(QUERIES)} queries: "
        + ", ".join(f"{name}={value:.3f}" for name, value in means.items())
    )
    assert len(MEMORIES) >= 50 and len(QUERIES) >= 20
    assert means["fused"] >= means["keyword"]
    assert means["keyword"] > 0.3 and means["vector"] > 0.3
