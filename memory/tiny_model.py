"""Build a tiny, self-contained embedding model on disk (tests, benchmarks, offline demos).

The model is a word-level ``tokenizer.json`` (made with the ``tokenizers`` library) and
an ONNX graph (made with ``onnx.helper``) that looks each token up in an embedding
table; fastembed mean-pools the token vectors, exactly as for a downloaded model. Words
of a synonym group share most of their vector, so "Hindi" finds "language" the way a
real model would, only far cruder. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from memory.embedder import MANIFEST

PAD, UNK = "[PAD]", "[UNK]"


def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


def embedding_table(
    vocabulary: Sequence[str], groups: Sequence[Sequence[str]], dim: int
) -> np.ndarray:
    """One row per vocabulary entry; synonyms lean towards their group's shared vector."""
    group_of = {word: tuple(group) for group in groups for word in group}
    rows = [np.zeros(dim, dtype=np.float32), np.zeros(dim, dtype=np.float32)]  # PAD, UNK
    for word in vocabulary:
        own = _word_vector(word, dim)
        if word in group_of:
            own = 0.35 * own + _word_vector("group:" + "|".join(group_of[word]), dim)
        rows.append(own)
    return np.vstack(rows).astype(np.float32)


def build_tiny_model(
    directory: Path,
    words: Iterable[str],
    *,
    groups: Sequence[Sequence[str]] = (),
    dim: int = 32,
    model_name: str = "calltime/tiny-test-embedder",
) -> Path:
    """Write a loadable model (ONNX + tokenizer + manifest) into ``directory``."""
    vocabulary = sorted({w.lower() for w in words} | {w.lower() for g in groups for w in g})
    directory.mkdir(parents=True, exist_ok=True)
    _write_tokenizer(directory, vocabulary)
    table = embedding_table(vocabulary, [[w.lower() for w in g] for g in groups], dim)
    _write_onnx(directory / "model.onnx", table)
    (directory / MANIFEST).write_text(
        json.dumps(
            {
                "model_name": model_name,
                "dim": dim,
                "pooling": "MEAN",
                "normalization": True,
                "model_file": "model.onnx",
            }
        )
    )
    return directory


def _write_tokenizer(directory: Path, vocabulary: list[str]) -> None:
    """A word-level, lower-casing tokenizer with ``[PAD]`` = 0 and ``[UNK]`` = 1."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordLevel

    vocab = {PAD: 0, UNK: 1} | {word: i + 2 for i, word in enumerate(vocabulary)}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token=UNK))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.enable_padding(pad_id=0, pad_token=PAD)
    tokenizer.save(str(directory / "tokenizer.json"))
    (directory / "tokenizer_config.json").write_text(
        json.dumps({"model_max_length": 256, "pad_token": PAD, "unk_token": UNK})
    )
    (directory / "special_tokens_map.json").write_text(
        json.dumps({"pad_token": PAD, "unk_token": UNK})
    )


def _write_onnx(path: Path, table: np.ndarray) -> None:
    """An ONNX graph mapping ``input_ids`` to per-token vectors (a table lookup)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    dim = int(table.shape[1])
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)],
        "calltime_tiny_embedder",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "seq", dim]
            )
        ],
        initializer=[numpy_helper.from_array(table, name="table")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
