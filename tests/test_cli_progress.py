"""Issue 18, point 3: long commands draw a progress bar on a terminal, nothing elsewhere.

The real console script runs twice per command: with standard error on a
pseudo-terminal (the bar is drawn) and in a pipe, as in a script or a process log
(standard error stays empty). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.models import Project
from bot.store import ProjectScope
from memory.service import MemoryService
from tests.cli_support import calltime, clean_env, on_terminal
from tests.factories import make_contact, make_project
from tests.memory_support import build_test_model


@pytest.fixture
def project_env(db_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], Database, Project]]:
    db = Database(db_url)
    project = make_project(db, "Asha Trust")
    yield clean_env(tmp_path, DATABASE_URL=db_url), db, project
    db.dispose()


def both_ways(args: list[str], env: dict[str, str], cwd: Path) -> tuple[str, str, str]:
    """(what a terminal showed, standard output in a pipe, standard error in a pipe)."""
    code, _, drawn = on_terminal(*args, env=env, cwd=cwd)
    assert code == 0, drawn
    piped = calltime(*args, env=env, cwd=cwd)
    assert piped.returncode == 0, piped.stderr
    return drawn, piped.stdout, piped.stderr


def test_kb_add(project_env, tmp_path: Path) -> None:
    env, _, _ = project_env
    files = []
    for n in range(3):
        path = tmp_path / f"script-{n}.md"
        path.write_text(f"# Script {n}\n\n## Opening\nNamaste, calling from Asha Trust.\n")
        files.append(str(path))
    drawn, stdout, stderr = both_ways(["kb", "add", *files, "-p", "Asha Trust"], env, tmp_path)
    assert "adding" in drawn and "100%" in drawn
    assert stderr == ""
    assert stdout.count("added title=") == 3


def test_contacts_import(project_env, tmp_path: Path) -> None:
    env, _, _ = project_env
    rows = "".join(f"Donor {n},98765{n:05d}\n" for n in range(50))
    (tmp_path / "contacts.csv").write_text("display_name,phone\n" + rows)
    args = ["contacts", "import", str(tmp_path / "contacts.csv"), "-p", "Asha Trust"]
    drawn, stdout, stderr = both_ways(args, env, tmp_path)
    assert "importing" in drawn and "100%" in drawn
    assert "importing" not in stderr and "%" not in stderr  # only the undo hint
    assert "0 imported, 0 updated, 50 unchanged" in stdout  # the second run changed nothing


def test_models_reindex(project_env, tmp_path: Path) -> None:
    env, db, project = project_env
    contact = make_contact(db, project)
    with db.session() as session:  # memories stored before a model was installed
        service = MemoryService(ProjectScope(session, project.id, actor="test"), None)
        for text in ("Prefers Hindi on calls", "Busy on weekends", "Asked for an 80G receipt"):
            service.store(text, {"memory_type": "contact_profile", "contact_id": contact.id})
    env["CALLTIME_MODEL_DIR"] = str(build_test_model(tmp_path / "model"))
    code, stdout, drawn = on_terminal(
        "models", "reindex", "-p", "Asha Trust", env=env, cwd=tmp_path
    )
    assert code == 0, drawn
    assert "indexing documents" in drawn and "embedding memories" in drawn and "100%" in drawn
    assert "memories_embedded=3" in stdout and "mode=hybrid" in stdout
    piped = calltime("models", "reindex", "-p", "Asha Trust", env=env, cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""
    assert "memories_embedded=0" in piped.stdout  # nothing left to embed


def test_models_download_is_quiet_and_one_line_off_a_terminal(tmp_path: Path) -> None:
    """Offline, the download fails at once: one error line, no progress bars or log lines."""
    env = clean_env(tmp_path, HF_HUB_OFFLINE="1", DATABASE_URL="mysql://needs@no/database")
    result = calltime(
        "models", "download", "--dir", str(tmp_path / "models"), env=env, cwd=tmp_path
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: could not download the model into {tmp_path / 'models'}: ")
