"""The benchmark harness: databases to run on, timing helpers and the report.

A benchmark module ``bench/bench_<name>.py`` defines ``run(ctx: BenchContext) ->
list[Figure]``. Loads go to loopback only and are bounded by count and time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.config import normalise_database_url
from bot.migrate import upgrade

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass
class Figure:
    """One measured figure: what was done, and its median and p99 in milliseconds."""

    name: str
    workload: str
    median_ms: float | None
    p99_ms: float | None
    engine: str | None = None
    samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest-rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(name: str, workload: str, samples_ms: list[float], **kwargs: Any) -> Figure:
    return Figure(
        name=name,
        workload=workload,
        median_ms=round(statistics.median(samples_ms), 3),
        p99_ms=round(percentile(samples_ms, 99), 3),
        samples=len(samples_ms),
        **kwargs,
    )


def time_calls(fn: Callable[[], Any], repeat: int, warmup: int = 2) -> list[float]:
    """Call ``fn`` ``warmup + repeat`` times; the last ``repeat`` durations in ms."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


class BenchContext:
    """Fresh migrated databases on each engine, and a scratch folder."""

    def __init__(self, engines: list[str], workdir: Path, quick: bool = False) -> None:
        self.engines = engines
        self.workdir = workdir
        self.quick = quick
        self._pg_admin_url: str | None = None
        self._pg_server: Any = None

    def scale(self, full: int, quick: int) -> int:
        """``quick`` under ``--quick`` (smoke runs), else ``full``."""
        return quick if self.quick else full

    @contextmanager
    def database(self, engine: str) -> Iterator[str]:
        """A migrated, empty database URL on ``engine`` (``sqlite`` or ``postgres``)."""
        if engine == "sqlite":
            path = self.workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
            eng = create_engine(f"sqlite:///{path}")
            upgrade(eng)
            eng.dispose()
            yield f"sqlite:///{path}"
            path.unlink(missing_ok=True)
            return
        admin = self.postgres_admin_url()
        name = f"bench_{uuid.uuid4().hex[:10]}"
        _autocommit(admin, f'CREATE DATABASE "{name}"')
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        eng = create_engine(url)
        upgrade(eng)
        eng.dispose()
        try:
            yield url
        finally:
            _autocommit(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def postgres_admin_url(self) -> str:
        if self._pg_admin_url is None:
            given = os.environ.get("TEST_DATABASE_URL")
            if given:
                self._pg_admin_url = normalise_database_url(given)
            else:
                import pgserver

                self._pg_server = pgserver.get_server(self.workdir / "pgdata", cleanup_mode="stop")
                self._pg_admin_url = normalise_database_url(self._pg_server.get_uri())
        return self._pg_admin_url

    def close(self) -> None:
        if self._pg_server is not None:
            self._pg_server.cleanup()


def _autocommit(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_report(figures: list[Figure], errors: dict[str, str], started: float) -> Path:
    """Write ``latest.json`` and ``latest.md`` and return the JSON path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.monotonic() - started, 1),
        "machine": machine(),
        "figures": [asdict(f) for f in figures],
        "errors": errors,
    }
    json_path = RESULTS_DIR / "latest.json"
    json_path.write_text(json.dumps(report, indent=2, default=str))
    (RESULTS_DIR / "latest.md").write_text(markdown_table(report))
    return json_path


def previous_figures(exclude: set[str]) -> list[Figure]:
    """Figures of the last report, except those named in ``exclude`` (for ``--merge``)."""
    path = RESULTS_DIR / "latest.json"
    if not path.exists():
        return []
    old = json.loads(path.read_text())
    return [Figure(**f) for f in old.get("figures", []) if f["name"] not in exclude]


def markdown_table(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Benchmarks of {report['generated_at']} on {m['cpus']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}; {report['duration_s']} s in all.",
        "",
        "| benchmark | engine | workload | median ms | p99 ms | notes |",
        "|---|---|---|---:|---:|---|",
    ]
    for f in report["figures"]:
        notes = ", ".join(f"{k}={v}" for k, v in f["extra"].items())
        lines.append(
            f"| {f['name']} | {f['engine'] or '-'} | {f['workload']} | "
            f"{_fmt(f['median_ms'])} | {_fmt(f['p99_ms'])} | {notes} |"
        )
    for name, error in report["errors"].items():
        lines.append(f"| {name} | - | FAILED | - | - | {error} |")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="calltime-bench-"))
