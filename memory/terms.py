"""The words of a search query that are worth matching."""

from __future__ import annotations

import re

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
