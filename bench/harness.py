"""The benchmark harness: databases to run on, timing helpers and the report.

A benchmark module ``bench/bench_<name>.py`` defines ``run(ctx: BenchContext) ->
list[Figure]``. Loads go to loopback only and are bounded by count and time.

Figures are meant to be trusted: :func:`time_calls` times :data:`RUNS` separate runs and
:func:`summarise` reports the median of the runs' medians with their spread, and
:mod:`bench.quiet` records how busy the machine was while each benchmark ran.
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

from bench.quiet import postgres_pid
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
    #: How busy the machine was (see :mod:`bench.quiet`); filled in by ``python -m bench``.
    machine_load: dict[str, Any] = field(default_factory=dict)


#: Separate timed runs per figure (each after its own warm-up); the figure's median is
#: the median of the runs' medians, so one disturbed run cannot move it.
RUNS = 3


class Samples(list[float]):
    """Durations in ms of all runs together, remembering each run's own samples."""

    def __init__(self, runs: list[list[float]]) -> None:
        super().__init__(value for run in runs for value in run)
        self.runs = runs


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest-rank) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(name: str, workload: str, samples_ms: list[float], **kwargs: Any) -> Figure:
    """A figure from samples; :class:`Samples` of several runs give the median of medians.

    With several runs, ``extra`` says how many and the spread of the runs' medians
    (``runs``, ``run_medians``); p99 is taken over every sample of every run.
    """
    runs = getattr(samples_ms, "runs", [samples_ms])
    medians = [statistics.median(run) for run in runs if run]
    extra = dict(kwargs.pop("extra", {}) or {})
    if len(medians) > 1:
        extra["runs"] = len(medians)
        extra["run_medians"] = "/".join(f"{m:.1f}" for m in medians)
    return Figure(
        name=name,
        workload=workload,
        median_ms=round(statistics.median(medians), 3),
        p99_ms=round(percentile(samples_ms, 99), 3),
        samples=len(samples_ms),
        extra=extra,
        **kwargs,
    )


def time_calls(
    fn: Callable[[], Any], repeat: int, warmup: int = 2, runs: int | None = None
) -> Samples:
    """``runs`` (default :data:`RUNS`) runs of ``warmup`` untimed then ``repeat`` timed calls.

    Returns every timed duration in ms, grouped by run (see :class:`Samples`).
    """
    timed = []
    for _ in range(RUNS if runs is None else runs):
        for _ in range(warmup):
            fn()
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        timed.append(samples)
    return Samples(timed)


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

    def server_pids(self) -> set[int]:
        """The PostgreSQL server this context started (for :class:`bench.quiet.LoadWatch`)."""
        pid = postgres_pid(self.workdir / "pgdata") if self._pg_server is not None else None
        return {pid} if pid else set()

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
    busy = [f for f in report["figures"] if (f.get("machine_load") or {}).get("busy")]
    lines = [
        f"Benchmarks of {report['generated_at']} on {m['cpus']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Python {m['python']}; {report['duration_s']} s in all.",
        "",
        f"**{len(busy)} of {len(report['figures'])} figures were taken while other processes "
        "used the machine (marked BUSY): do not quote them.**"
        if busy
        else "Every figure was taken on a quiet machine (other processes used under 10 % of it).",
        "",
        "| benchmark | engine | workload | median ms | p99 ms | notes | load 1 min before→after, "
        "others' CPU |",
        "|---|---|---|---:|---:|---|---|",
    ]
    for f in report["figures"]:
        notes = ", ".join(f"{k}={v}" for k, v in f["extra"].items())
        lines.append(
            f"| {f['name']} | {f['engine'] or '-'} | {f['workload']} | "
            f"{_fmt(f['median_ms'])} | {_fmt(f['p99_ms'])} | {notes} | "
            f"{_load_note(f.get('machine_load') or {})} |"
        )
    for name, error in report["errors"].items():
        lines.append(f"| {name} | - | FAILED | - | - | {error} |")
    return "\n".join(lines) + "\n"


def _load_note(load: dict[str, Any]) -> str:
    if not load:
        return "-"
    note = (
        f"{load['load_before'][0]:.2f}→{load['load_after'][0]:.2f}, "
        f"{100 * load['others_cpu_share']:.0f} %"
    )
    return f"**BUSY** {note}" if load["busy"] else note


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="calltime-bench-"))
