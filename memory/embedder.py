"""Text embeddings: ``BAAI/bge-small-en-v1.5`` (384 dims) through fastembed, loaded offline.

A Calltime process never downloads a model while serving: :func:`load_embedder` only
reads what is already on disk (``HF_HUB_OFFLINE`` semantics) and returns ``None`` when
nothing is there, which puts search in keyword mode. ``calltime models download``
fetches the model into the same folder for deployments that have internet.

Two layouts are understood in the model folder:

* fastembed's own cache (what ``models download`` writes) for the default model;
* a self-contained model directory with a ``calltime_model.json`` manifest (an ONNX
  file, ``tokenizer.json`` and friends), registered through fastembed's custom-model
  API. Air-gapped deployments copy a model in this way, and the tests build a tiny one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_MODEL = "BAAI/bge-small-en-v1.5"
DEFAULT_DIM = 384
MANIFEST = "calltime_model.json"


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors of a fixed dimension."""

    model_name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dim)`` float32 array of L2-normalised vectors."""
        ...


@dataclass
class FastEmbedder:
    """An :class:`Embedder` backed by a loaded fastembed ``TextEmbedding``."""

    model_name: str
    dim: int
    model: Any

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(list(self.model.embed(list(texts))), dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(
                f"model {self.model_name} produced {vectors.shape[1]} dims, expected {self.dim}"
            )
        return normalise(vectors)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray = (vectors / norms).astype(np.float32)
    return unit


def model_dir(instance_path: Path) -> Path:
    """Where models live: ``$CALLTIME_MODEL_DIR`` or ``<instance>/models``."""
    configured = os.environ.get("CALLTIME_MODEL_DIR", "").strip()
    return Path(configured) if configured else Path(instance_path) / "models"


def load_embedder(directory: Path) -> Embedder | None:
    """The embedder found in ``directory``, or ``None`` when no model is there.

    Never touches the network. A corrupt or incompatible model is logged and treated
    as absent, so the bot keeps answering with keyword search.
    """
    directory = Path(directory)
    if not directory.is_dir() or not any(directory.iterdir()):
        return None
    try:
        if (directory / MANIFEST).exists():
            return _load_manifest_model(directory)
        return _load_cached_default(directory)
    except Exception as exc:  # an unusable model must not take the bot down
        log.warning("embedding model in %s unusable, keyword search only: %s", directory, exc)
        return None


def _load_manifest_model(directory: Path) -> Embedder:
    from fastembed import TextEmbedding
    from fastembed.common.model_description import ModelSource, PoolingType

    manifest = json.loads((directory / MANIFEST).read_text())
    name, dim = str(manifest["model_name"]), int(manifest["dim"])
    if name.lower() not in {m["model"].lower() for m in TextEmbedding.list_supported_models()}:
        TextEmbedding.add_custom_model(
            model=name,
            pooling=PoolingType[manifest.get("pooling", "MEAN").upper()],
            normalization=bool(manifest.get("normalization", True)),
            sources=ModelSource(hf=manifest.get("hf_source", f"local/{name}")),
            dim=dim,
            model_file=manifest.get("model_file", "model.onnx"),
        )
    model = TextEmbedding(
        model_name=name,
        specific_model_path=str(directory),
        local_files_only=True,
        threads=1,
    )
    return FastEmbedder(model_name=name, dim=dim, model=model)


def _load_cached_default(directory: Path) -> Embedder:
    from fastembed import TextEmbedding

    model = TextEmbedding(model_name=DEFAULT_MODEL, cache_dir=str(directory), local_files_only=True)
    return FastEmbedder(model_name=DEFAULT_MODEL, dim=DEFAULT_DIM, model=model)


def download_default_model(directory: Path) -> Embedder:
    """Fetch ``BAAI/bge-small-en-v1.5`` into ``directory`` (needs internet) and load it."""
    from fastembed import TextEmbedding

    directory.mkdir(parents=True, exist_ok=True)
    model = TextEmbedding(model_name=DEFAULT_MODEL, cache_dir=str(directory))
    embedder = FastEmbedder(model_name=DEFAULT_MODEL, dim=DEFAULT_DIM, model=model)
    embedder.embed(["calltime warm-up"])
    return embedder


def to_blob(vector: np.ndarray) -> bytes:
    """float32 bytes, the SQLite storage form of a vector."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes | Any) -> np.ndarray:
    """The vector stored by :func:`to_blob` (or a pgvector value)."""
    if isinstance(blob, bytes | bytearray | memoryview):
        return np.frombuffer(bytes(blob), dtype=np.float32)
    return np.asarray(blob, dtype=np.float32)
