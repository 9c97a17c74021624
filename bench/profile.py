"""Where a benchmarked call spends its time, recorded in the figure it explains.

A figure over its goal should say why. :func:`breakdown` calls the function again after
the timed runs (so no probe slows a timed call) and returns, per call:

- ``statements``: SQL statements sent to the database (engine events);
- ``profile``: the call's time under ``cProfile``, split into the database driver's
  calls (execute, fetch, commit, rollback: the round trip plus the database's own work;
  on SQLite a query runs in the fetch as well as the execute, so both count),
  SQLAlchemy, Calltime's own code (``bot/``) and everything else (the standard library
  and other packages), then the three functions that spend the most time themselves.
  ``cProfile`` slows Python code more than C code, so the split leans towards Python:
  the driver's share is a floor.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Driver entry points whose cumulative time is the database's share.
_DRIVER_METHODS = {
    "execute",
    "executemany",
    "fetchall",
    "fetchone",
    "fetchmany",
    "commit",
    "rollback",
}


def _driver_entry(func: tuple[str, int, str]) -> bool:
    """Whether a profiled function is one of the driver's calls (sqlite3 or psycopg)."""
    filename, _, name = func
    if filename == "~":  # a C function: "<method 'execute' of 'sqlite3.Cursor' objects>"
        return "sqlite3." in name and name.split("'")[1] in _DRIVER_METHODS
    return "/psycopg/" in filename and name in _DRIVER_METHODS


def _in_driver(func: tuple[str, int, str]) -> bool:
    """Whether a profiled function is the driver's own code (its time is the driver's)."""
    filename, _, name = func
    return "/psycopg" in filename or filename == "~" and "sqlite3." in name


def _package(filename: str) -> str:
    if "/sqlalchemy/" in filename:
        return "sqlalchemy"
    if "/bot/" in filename:
        return "calltime"
    return "other"


def breakdown(
    engine: Engine,
    fn: Callable[[], Any],
    calls: int,
    then: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """``fn`` called ``calls`` times, measured as the module docstring says.

    ``then``, if given, is called with each result of ``fn`` outside the measurement:
    the rest of a cycle that the figure does not time (sending a reply that was queued).
    """
    count, measuring = [0], [False]

    def counted(*_args: Any) -> None:
        count[0] += measuring[0]

    event.listen(engine, "before_cursor_execute", counted)
    try:
        profiler = cProfile.Profile()
        spent = 0.0
        for _ in range(calls):
            measuring[0] = True
            started = time.perf_counter()
            profiler.enable()
            result = fn()
            profiler.disable()
            spent += time.perf_counter() - started
            measuring[0] = False
            if then is not None:
                then(result)
        profiled_ms = spent * 1000 / calls
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    driver = 0.0
    own: dict[str, float] = {"sqlalchemy": 0.0, "calltime": 0.0, "other": 0.0}
    for func, (_, _, self_time, cumulative, callers) in stats.items():
        if _driver_entry(func):
            # Count each entry once: not again when another driver entry called it.
            if not any(_driver_entry(caller) for caller in callers):
                driver += cumulative
            continue
        if _in_driver(func):
            continue  # inside a driver entry, already counted
        # Less what the driver's code called it for (``dict.get``, ``isinstance`` …):
        # that time is inside a driver entry's cumulative time already.
        for_driver = sum(by[2] for caller, by in callers.items() if _in_driver(caller))
        own[_package(func[0])] += self_time - for_driver
    total = driver + sum(own.values()) or 1.0
    top = sorted(
        (item for item in stats.items() if not _driver_entry(item[0])),
        key=lambda item: -item[1][2],
    )[:3]
    shares = {"driver": driver, **own}
    return {
        "statements": round(count[0] / calls, 1),
        "profile": (
            f"{profiled_ms:.1f} ms/call under cProfile: "
            + ", ".join(
                f"{name} {value * 1000 / calls:.1f} ms ({100 * value / total:.0f} %)"
                for name, value in shares.items()
            )
            + "; most self time: "
            + ", ".join(f"{_label(func)} {values[2] * 1000 / calls:.2f} ms" for func, values in top)
        ),
    }


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name.strip("<>").replace("method ", "").replace(" objects", "")
    return f"{filename.rsplit('/', 1)[-1]}:{line}({name})"
