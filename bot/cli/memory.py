"""``calltime kb …`` (knowledge base) and ``calltime models …`` (the embedding model)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import click

from bot.cli.common import CliState, echo_row, find_project, pass_state, progress, project_option
from bot.store import ProjectScope

KB_SUFFIXES = {".md", ".markdown", ".txt"}


@click.group("kb")
def kb_group() -> None:
    """Knowledge base: pitch scripts, objection handling, compliance snippets."""


@kb_group.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@project_option
@pass_state
def kb_add(state: CliState, files: tuple[str, ...], project: str) -> None:
    """Add markdown or text FILES (re-adding a title replaces it); chunked by heading."""
    from memory import MemoryError, embedder_for
    from memory.kb import add_document, chunk_document

    texts = []
    for name in files:
        path = Path(name)
        if path.suffix.lower() not in KB_SUFFIXES:
            raise click.ClickException(
                f"{name}: only markdown or text files ({', '.join(sorted(KB_SUFFIXES))})"
            )
        try:
            texts.append((path, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{name}: not UTF-8 text") from exc
    embedder = embedder_for(state.runtime)
    added = []
    with state.runtime.db.session() as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        with progress(len(texts), "adding") as bar:
            for path, text in texts:
                try:
                    doc = add_document(
                        scope, _title(path, text), text, path.name, embedder=embedder
                    )
                except MemoryError as exc:
                    raise click.ClickException(f"{path}: {exc}") from exc
                added.append((doc.title, doc.id, len(chunk_document(doc.title, doc.content))))
                bar.update(1)
    for title, doc_id, chunks in added:  # after the bar, which shares the terminal
        echo_row("added", title=repr(title), id=doc_id, chunks=chunks)
    click.echo(f"search mode: {'hybrid' if embedder else 'keyword'}")


@kb_group.command("list")
@project_option
@pass_state
def kb_list(state: CliState, project: str) -> None:
    """List the project's documents."""
    from memory.kb import list_documents

    with state.runtime.db.session() as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        docs = list_documents(scope)
        for doc in docs:
            echo_row(doc.title, id=doc.id, file=doc.filename or "-", chars=len(doc.content))
        if not docs:
            click.echo("no documents")


@kb_group.command("remove")
@click.argument("document")
@project_option
@pass_state
def kb_remove(state: CliState, document: str, project: str) -> None:
    """Remove DOCUMENT (its title or id) and its indexed chunks."""
    from memory import MemoryError
    from memory.kb import remove_document

    with state.runtime.db.session() as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        try:
            doc = remove_document(scope, document)
        except MemoryError as exc:
            raise click.ClickException(str(exc)) from exc
        echo_row("removed", title=repr(doc.title), id=doc.id)


@click.group("models")
def models_group() -> None:
    """The embedding model (BAAI/bge-small-en-v1.5, 384 dims) used for semantic search."""


@models_group.command("download")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to keep it (default: $CALLTIME_MODEL_DIR or instance/models).",
)
@pass_state
def models_download(state: CliState, directory: str | None) -> None:
    """Fetch the model (needs internet); the bot itself only ever loads it from disk.

    Needs no database. Progress is shown on a terminal only.
    """
    from bot.app import default_instance_path
    from memory.embedder import model_dir

    target = Path(directory) if directory else model_dir(default_instance_path())
    if not sys.stderr.isatty():
        # The model hub draws its own per-file progress bars; off a terminal they would
        # fill logs with carriage returns. Set before the hub is first imported.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import fastembed  # noqa: F401 - only to give a clear error when it is missing
    except ImportError as exc:
        raise click.ClickException(
            'install the embeddings extra: pip install "calltime[embeddings]"'
        ) from exc
    from memory.embedder import download_default_model

    if not state.verbose:  # fastembed logs each failed source; the error below sums them up
        from loguru import logger  # fastembed's logger

        logger.disable("fastembed")
    try:
        with warnings.catch_warnings():
            # fastembed re-enables the bars after each try; the hub warns it may not.
            warnings.filterwarnings("ignore", message="Cannot enable progress bars")
            embedder = download_default_model(target)
    except Exception as exc:  # network, disk, or a model that will not load
        reason = next((line for line in str(exc).splitlines() if line.strip()), repr(exc))
        raise click.ClickException(
            f"could not download the model into {target}: {reason} (-v shows each try)"
        ) from None
    echo_row("ready", model=embedder.model_name, dim=embedder.dim, dir=target)


@models_group.command("status")
@pass_state
def models_status(state: CliState) -> None:
    """Show which model is loaded and so which search mode is active."""
    from memory import embedder_for, search_mode
    from memory.embedder import model_dir

    embedder = embedder_for(state.runtime)
    echo_row(
        "search",
        mode=search_mode(state.runtime),
        model=embedder.model_name if embedder else "-",
        dim=embedder.dim if embedder else "-",
        dir=model_dir(state.runtime.settings.instance_path),
    )


@models_group.command("reindex")
@project_option
@pass_state
def models_reindex(state: CliState, project: str) -> None:
    """Embed what was stored before the model was installed, and index KB documents."""
    from memory import MemoryError, embedder_for
    from memory.kb import list_documents, reindex_documents
    from memory.service import MemoryService

    embedder = embedder_for(state.runtime)
    with state.runtime.db.session() as session:
        scope = ProjectScope(session, find_project(session, project).id, actor="cli")
        service, memories = MemoryService(scope, embedder), 0
        try:
            with progress(len(list_documents(scope)), "indexing documents") as bar:
                documents = reindex_documents(
                    scope, embedder=embedder, progress=lambda done, _total: bar.update(1)
                )
            if embedder is not None:  # without a model, keyword search needs nothing
                with progress(service.count_missing(), "embedding memories") as bar:
                    while count := service.embed_missing():
                        memories += count
                        bar.update(count)
        except MemoryError as exc:
            raise click.ClickException(str(exc)) from exc
    echo_row(
        "reindexed",
        documents=documents,
        memories_embedded=memories,
        mode="hybrid" if embedder else "keyword",
    )


def _title(path: Path, text: str) -> str:
    """The first markdown H1, else the file name without extension."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("_", " ").replace("-", " ").strip()
