"""Fixtures for the memory tests: a tiny embedding model built on disk, never downloaded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from bot.db import Database
from bot.store import ProjectScope
from memory.embedder import Embedder, load_embedder
from memory.tiny_model import build_tiny_model


def _words(text: str) -> list[str]:
    return text.split()


#: Words the tiny model knows; anything else is an unknown token with a zero vector.
VOCABULARY = _words(
    """
prefers prefer hindi english tamil marathi language speak speaks call calls calling phone
whatsapp message messages text sms email morning evening night after before weekend
weekends sunday monday friday diwali holi eid festival festivals season month year
already gave donated donation donations another ngo charity trust school temple objection
objects busy travelling travel abroad dubai london office meeting meetings wife husband son
daughter family mother father health hospital surgery recovering sick upi cheque bank cash
card transfer receipt 80g tax exemption certificate pledge pledged pay paid payment amount
lakh thousand 25k 50k monthly annual renew renewal sponsor sponsorship child children
education scholarship girls books meals hunger food water village rural project visit
site photos report update updates newsletter impact story stories numbers data formal
informal polite short brief long detailed warm cold friendly tone respectful sir madam
name first surname never avoid not dont do mention discuss politics religion caller
operator prefers script pitch opening objection handling compliance consent record campaign
target goal today week remind reminder followup later postpone reschedule next asked
retired doctor lawyer teacher businessman engineer ca accountant startup founder
spoke no response declined interested keen happy unhappy complaint delay late wants
"""
)

#: Synonym groups: words that mean nearly the same for a fundraiser.
SYNONYMS = [
    ["hindi", "tamil", "marathi", "language", "english"],
    ["call", "calls", "calling", "phone"],
    ["whatsapp", "message", "messages", "text", "sms"],
    ["diwali", "holi", "eid", "festival", "festivals"],
    ["already", "gave", "donated", "another", "ngo", "charity"],
    ["busy", "travelling", "travel", "abroad", "dubai", "london"],
    ["health", "hospital", "surgery", "recovering", "sick"],
    ["upi", "cheque", "bank", "transfer", "cash", "card"],
    ["80g", "tax", "exemption", "certificate", "receipt"],
    ["later", "postpone", "reschedule", "remind", "reminder", "followup"],
    ["short", "brief"],
    ["formal", "respectful", "polite", "sir", "madam"],
    ["education", "school", "scholarship", "books", "girls", "children", "child"],
    ["report", "update", "updates", "photos", "newsletter", "impact", "story", "stories"],
    ["monthly", "renew", "renewal", "annual"],
    ["morning", "evening", "night", "weekend", "weekends", "sunday"],
]


def build_test_model(directory: Path, dim: int = 32) -> Path:
    """The tiny model of these tests, written to ``directory``."""
    return build_tiny_model(directory, VOCABULARY, groups=SYNONYMS, dim=dim)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_test_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_embedder(tiny_model_dir: Path) -> Embedder:
    embedder = load_embedder(tiny_model_dir)
    assert embedder is not None, "the tiny model must load through the real loader"
    return embedder


def scope_of(db: Database, session, project) -> ProjectScope:
    return ProjectScope(session, project.id, actor="test")


@dataclass
class CountingEmbedder:
    """Delegates to a real embedder and counts the texts it was asked to embed."""

    inner: Embedder
    texts: list[str] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@dataclass
class OtherModel:
    """A second embedding model with another dimension (vectors are all ones)."""

    model_name: str = "other/model"
    dim: int = 8

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.full((len(texts), self.dim), 1 / np.sqrt(self.dim), dtype=np.float32)
