"""Ranking primitives on both engines: keyword, vector and reciprocal rank fusion.

Each ranking function takes the mapped class (``Memory`` or ``VectorRecord``) and the
WHERE conditions the caller built through its :class:`~bot.store.ProjectScope` (always
including ``project_id``), and returns ``(row id, score)`` pairs, best first.

* keyword: SQLite FTS5 (``search_<table>_fts``, BM25) or PostgreSQL full text (stored
  ``search_tsv`` = ``to_tsvector('english', content)``, GIN index, ``ts_rank``). Rows
  holding every query word rank first, rows holding any of them fill up; each pass
  scores at most :data:`CANDIDATES` matches (the newest, on SQLite), so the cost does
  not grow with how common the words are.
* vector: PostgreSQL pgvector cosine distance on ``embedding::vector(dim)`` (HNSW
  index per dimension); SQLite exact cosine over float32 blobs with numpy.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from pgvector.sqlalchemy import VECTOR
from sqlalchemy import cast, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from memory.terms import query_terms

Ranking = list[tuple[uuid.UUID, float]]
RRF_K = 60
#: Vector matrices of large selections kept in this process (SQLite exact search).
_MATRICES: OrderedDict[tuple[str, str, str], tuple[int, np.ndarray, np.ndarray]] = OrderedDict()
MAX_CACHED_MATRICES = 4
#: Up to this many candidate rows, SQLite ranks them inside FTS5 by rowid.
SMALL_SUBSET = 2000
#: Keyword matches ranked per pass at most (the rest of a broad match is never scored).
CANDIDATES = 200
#: Vector hits at or below this cosine similarity share nothing with the query.
MIN_SIMILARITY = 0.0


def keyword_ranking(
    session: Session, model: Any, where: Sequence[Any], query: str, limit: int
) -> Ranking:
    """Rows whose content shares words with ``query``, best match first.

    Rows holding every query word come first; only when they are fewer than ``limit``
    do rows holding any of the words fill the rest. Each pass ranks a bounded set of
    at most :data:`CANDIDATES` matches (``LIMIT`` before ranking), so a query made of
    common words costs the same as one made of rare words.
    """
    terms = query_terms(query)
    if not terms:
        return []
    sqlite = session.get_bind().dialect.name == "sqlite"
    subset = _sqlite_subset(session, model, where) if sqlite else None
    if subset == []:
        return []
    ranked: Ranking = []
    for joiner in (" AND ", " OR ") if len(terms) > 1 else (" AND ",):
        if sqlite:
            match = joiner.join(f'"{t}"' for t in terms)
            found = _sqlite_keyword(session, model, where, match, limit, subset)
        else:
            found = _postgres_keyword(session, model, where, terms, joiner, limit)
        seen = {row_id for row_id, _ in ranked}
        ranked += [(row_id, score) for row_id, score in found if row_id not in seen]
        if len(ranked) >= limit:
            break
    return ranked[:limit]


def _postgres_keyword(
    session: Session, model: Any, where: Sequence[Any], terms: list[str], joiner: str, limit: int
) -> Ranking:
    """``ts_rank`` over at most :data:`CANDIDATES` rows matching the words (``&`` or ``|``)."""
    config: Any = literal_column("'english'::regconfig")
    tsquery = func.to_tsquery(config, (" & " if joiner == " AND " else " | ").join(terms))
    document: Any = literal_column(f"{model.__tablename__}.search_tsv")  # generated (0004_memory)
    matches = (
        select(model.id.label("id"), document.label("tsv"))
        .where(document.op("@@")(tsquery), *where)
        .limit(CANDIDATES)
        .subquery()
    )
    score = func.ts_rank(matches.c.tsv, tsquery)
    stmt = select(matches.c.id, score).order_by(score.desc(), matches.c.id).limit(limit)
    return [(row_id, float(s)) for row_id, s in session.execute(stmt)]


def _sqlite_subset(session: Session, model: Any, where: Sequence[Any]) -> list[int] | None:
    """The rowids the filter selects when there are at most :data:`SMALL_SUBSET` (else None)."""
    rowid: Any = literal_column(f"{model.__tablename__}.rowid")
    # Whether there are more than SMALL_SUBSET first, without fetching them: a broad
    # filter (the whole project) is the common case, and fetching 2,001 rowids into
    # Python took longer than the whole search.
    beyond = select(rowid).where(*where).offset(SMALL_SUBSET).limit(1)
    if session.execute(beyond).first() is not None:
        return None
    return list(session.scalars(select(rowid).where(*where)).all())


def _sqlite_keyword(
    session: Session,
    model: Any,
    where: Sequence[Any],
    match: str,
    limit: int,
    subset: list[int] | None,
) -> Ranking:
    """FTS5 ``bm25`` over a bounded set of matches, without joining every match back.

    A small filtered subset (a contact's memories) is ranked inside FTS5 by rowid. A
    broad one takes the newest :data:`CANDIDATES` matches (by rowid), ranks those, and
    keeps the ones the filter allows, widening to every match only when too few pass.
    """
    table_name = model.__tablename__
    fts = f"search_{table_name}_fts"
    rowid: Any = literal_column(f"{table_name}.rowid")
    if subset is not None:
        ranked = session.execute(
            text(
                f"SELECT rowid, bm25({fts}) FROM {fts} WHERE {fts} MATCH :m "
                f"AND rowid IN ({','.join(str(int(r)) for r in subset)}) "
                f"ORDER BY bm25({fts}) LIMIT :n"
            ),
            {"m": match, "n": limit},
        ).all()
        return _rowids_to_ids(session, model, ranked)
    newest = session.scalars(
        text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :m ORDER BY rowid DESC LIMIT :c"),
        {"m": match, "c": CANDIDATES},
    ).all()
    # The candidates are exactly the matches from the oldest of them on: FTS5 ranks a
    # rowid range natively (an ``IN`` list makes it look every row up again).
    top = (
        session.execute(
            text(
                f"SELECT rowid, bm25({fts}) FROM {fts} WHERE {fts} MATCH :m "
                f"AND rowid >= :oldest ORDER BY bm25({fts})"
            ),
            {"m": match, "oldest": newest[-1]},
        ).all()
        if newest
        else []
    )
    kept: list[Any] = []
    for start in range(0, len(top), limit * 4):  # best first, until enough pass the filter
        chunk = top[start : start + limit * 4]
        allowed = set(
            session.scalars(select(rowid).where(rowid.in_([r for r, _ in chunk]), *where))
        )
        kept += [t for t in chunk if t[0] in allowed]
        if len(kept) >= limit:
            break
    if len(kept) >= limit or len(top) < CANDIDATES:
        return _rowids_to_ids(session, model, kept[:limit])
    fts_table = table(fts, column("rowid"))
    rank: Any = literal_column(f"bm25({fts})")
    stmt = (
        select(rowid, rank)
        .join(fts_table, fts_table.c.rowid == rowid)
        .where(literal_column(fts).op("MATCH")(match), *where)
        .order_by(rank)
        .limit(limit)
    )
    return _rowids_to_ids(session, model, session.execute(stmt).all())


def _rowids_to_ids(session: Session, model: Any, ranked: Sequence[Any]) -> Ranking:
    """``(rowid, bm25)`` pairs → ``(id, score)`` pairs (higher is better), order kept."""
    if not ranked:
        return []
    rowid: Any = literal_column(f"{model.__tablename__}.rowid")
    ids: dict[int, Any] = dict(
        session.execute(select(rowid, model.id).where(rowid.in_([r for r, _ in ranked]))).all()
    )
    return [(ids[r], -float(score)) for r, score in ranked if r in ids]


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
    rowids, matrix = _sqlite_matrix(session, model, conditions, dim)
    if not len(rowids):
        return []
    scores = matrix @ query_vector.astype(np.float32)
    # The best ``limit`` in linear time, then sorted: a full argsort was a third of the cost.
    best = (
        np.argpartition(-scores, limit - 1)[:limit]
        if len(scores) > limit
        else np.arange(len(scores))
    )
    top = [i for i in best[np.argsort(-scores[best])] if scores[i] > MIN_SIMILARITY]
    return _rowids_to_ids(session, model, [(int(rowids[i]), -float(scores[i])) for i in top])


def _sqlite_matrix(
    session: Session, model: Any, conditions: Sequence[Any], dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """The rowids and float32 matrix of the selected rows, cached while nothing changed.

    Large selections are kept per process and reused until ``search_versions`` says
    the project's table was written to (by any process).
    """
    rowid: Any = literal_column(f"{model.__tablename__}.rowid")
    stmt = select(rowid, model.embedding).where(*conditions)
    compiled = stmt.compile(session.get_bind())
    bind = session.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else ""
    key = (str(url), str(compiled), repr(sorted(compiled.params.items())))
    version = _write_version(session, model, conditions)
    cached = _MATRICES.get(key)
    if cached is not None and cached[0] == version:
        _MATRICES.move_to_end(key)
        return cached[1], cached[2]
    rows = session.execute(stmt).all()
    rowids = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32)
    matrix = matrix.reshape(len(rows), dim)
    if version is not None and len(rows) > SMALL_SUBSET:
        _MATRICES[key] = (version, rowids, matrix)
        while len(_MATRICES) > MAX_CACHED_MATRICES:
            _MATRICES.popitem(last=False)
    return rowids, matrix


def _write_version(session: Session, model: Any, conditions: Sequence[Any]) -> int | None:
    """The write counter of the project the conditions select (None: not cacheable)."""
    project_ids = [
        c.right.value
        for c in conditions
        if getattr(getattr(c, "left", None), "key", None) == "project_id"
        and getattr(c, "right", None) is not None
        and hasattr(c.right, "value")
    ]
    if len(project_ids) != 1 or not isinstance(project_ids[0], uuid.UUID):
        return None
    name = f"{model.__tablename__}:{project_ids[0].hex}"
    found = session.execute(
        text("SELECT version FROM search_versions WHERE name = :name"), {"name": name}
    ).scalar()
    return int(found or 0)


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
