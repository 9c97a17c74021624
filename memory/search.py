"""Ranking primitives on both engines: keyword, vector and reciprocal rank fusion.

Each ranking function takes the mapped class (``Memory`` or ``VectorRecord``) and the
WHERE conditions the caller built through its :class:`~bot.store.ProjectScope` (always
including ``project_id``), and returns ``(row id, score)`` pairs, best first.

* keyword: SQLite FTS5 (``search_<table>_fts``, BM25) or PostgreSQL full text
  (``to_tsvector('english', content)`` with a GIN index, ``ts_rank_cd``). Query words
  are OR-ed: a memory that shares any meaningful word with the query is a candidate.
* vector: PostgreSQL pgvector cosine distance on ``embedding::vector(dim)`` (HNSW
  index per dimension); SQLite exact cosine over float32 blobs with numpy.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from pgvector.sqlalchemy import VECTOR
from sqlalchemy import cast, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

Ranking = list[tuple[uuid.UUID, float]]
RRF_K = 60
#: Vector hits at or below this cosine similarity share nothing with the query.
MIN_SIMILARITY = 0.0

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "who",
        "will",
        "with",
        "you",
        "your",
        "about",
        "after",
        "before",
        "did",
        "do",
        "does",
        "how",
        "should",
        "which",
    ]
)


def query_terms(query: str) -> list[str]:
    """The meaningful lower-case words of ``query`` (safe to splice into FTS syntax)."""
    words = re.findall(r"[\w]+", query.lower())
    seen: dict[str, None] = {}
    for word in words:
        if len(word) > 1 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)[:32]


def keyword_ranking(
    session: Session, model: Any, where: Sequence[Any], query: str, limit: int
) -> Ranking:
    """Rows whose content shares words with ``query``, best match first."""
    terms = query_terms(query)
    if not terms:
        return []
    if session.get_bind().dialect.name == "sqlite":
        fts_name = f"search_{model.__tablename__}_fts"
        fts = table(fts_name, column("rowid"))
        rank = literal_column(f"bm25({fts_name})")
        stmt = (
            select(model.id, rank)
            .join(fts, fts.c.rowid == literal_column(f"{model.__tablename__}.rowid"))
            .where(literal_column(fts_name).op("MATCH")(" OR ".join(f'"{t}"' for t in terms)))
            .where(*where)
            .order_by(rank)
            .limit(limit)
        )
        return [(row_id, -float(score)) for row_id, score in session.execute(stmt)]
    config = literal_column("'english'::regconfig")
    tsquery = func.to_tsquery(config, " | ".join(terms))
    document = literal_column(f"{model.__tablename__}.search_tsv")  # generated (0004_memory)
    score = func.ts_rank_cd(document, tsquery)
    stmt = (
        select(model.id, score)
        .where(document.op("@@")(tsquery), *where)
        .order_by(score.desc(), model.id)
        .limit(limit)
    )
    return [(row_id, float(s)) for row_id, s in session.execute(stmt)]


def vector_ranking(
    session: Session,
    model: Any,
    where: Sequence[Any],
    query_vector: np.ndarray,
    model_name: str,
    limit: int,
) -> Ranking:
    """Rows embedded by ``model_name`` nearest to ``query_vector`` (cosine), best first."""
    dim = int(query_vector.shape[0])
    conditions = [
        *where,
        model.embedding.is_not(None),
        model.embedding_model == model_name,
        model.embedding_dim == dim,
    ]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SET LOCAL hnsw.ef_search = {max(40, min(1000, limit * 4))}"))
        distance = cast(model.embedding, VECTOR(dim)).cosine_distance(query_vector.tolist())
        stmt = select(model.id, distance).where(*conditions).order_by(distance).limit(limit)
        ranked = [(row_id, 1.0 - float(d)) for row_id, d in session.execute(stmt)]
        return [(row_id, sim) for row_id, sim in ranked if sim > MIN_SIMILARITY]
    # Exact search: rowids (not UUIDs) keep the scan cheap; ids are looked up for the top k.
    rowid = literal_column(f"{model.__tablename__}.rowid")
    rows = session.execute(select(rowid, model.embedding).where(*conditions)).all()
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32)
    scores = matrix.reshape(len(rows), dim) @ query_vector.astype(np.float32)
    top = [i for i in np.argsort(-scores)[:limit] if scores[i] > MIN_SIMILARITY]
    if not top:
        return []
    ids = dict(
        session.execute(select(rowid, model.id).where(rowid.in_([rows[i][0] for i in top]))).all()
    )
    return [(ids[rows[i][0]], float(scores[i])) for i in top]


def fuse(rankings: Sequence[Ranking], limit: int, k: int = RRF_K) -> Ranking:
    """Reciprocal rank fusion: ``sum(1 / (k + rank))`` over the rankings a row appears in."""
    fused: dict[uuid.UUID, float] = {}
    for ranking in rankings:
        for rank, (row_id, _score) in enumerate(ranking, start=1):
            fused[row_id] = fused.get(row_id, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])[:limit]


def tag_condition(session: Session, model: Any, tag: str) -> Any:
    """A condition true when the JSON ``tags`` list of ``model`` contains ``tag``."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        return model.tags.op("@>")(cast(func.jsonb_build_array(tag), JSONB))
    each = func.json_each(model.tags).table_valued("value")
    return select(each.c.value).where(each.c.value == tag).exists()
