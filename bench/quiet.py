"""How busy the machine was while a benchmark ran, so a figure says whether to trust it.

The load average alone cannot tell: a benchmark loads the machine itself (and the
previous one's load lingers in the 1-minute average). So besides ``os.getloadavg()``
before and after, :class:`LoadWatch` measures the CPU time *other* processes used:
the machine's busy time from ``/proc/stat`` minus the CPU time of this process, its
descendants (and the children they reaped) and the benchmark's PostgreSQL server. A
figure is marked ``busy`` when others used more than :data:`BUSY_SHARE` of the machine;
such a figure must not be quoted as the machine's performance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Share of all cores that other processes may use before a figure is marked busy.
BUSY_SHARE = 0.10
_TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _TICK


def _processes() -> dict[int, tuple[int, float]]:
    """``pid -> (parent pid, CPU seconds incl. reaped children)`` of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat.rsplit(")", 1)[1].split()
        # Fields after the name: state ppid … utime(11) stime(12) cutime(13) cstime(14).
        found[int(entry.name)] = (int(rest[1]), sum(int(v) for v in rest[11:15]) / _TICK)
    return found


def tree_cpu_seconds(roots: set[int]) -> float:
    """CPU seconds of ``roots`` and all their descendants."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack, seen = 0.0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in table:
            continue
        seen.add(pid)
        total += table[pid][1]
        stack.extend(children.get(pid, []))
    return total


@dataclass
class LoadWatch:
    """Start before a benchmark, :meth:`finish` after: the load it ran under.

    ``extra_roots`` returns the pids of processes the benchmark uses that are not its
    descendants (the PostgreSQL server, which daemonizes); it is asked at both ends.
    """

    extra_roots: Callable[[], set[int]] = set
    _start: tuple[float, float, float, tuple[float, ...]] = (0.0, 0.0, 0.0, ())

    def start(self) -> LoadWatch:
        self._start = (time.monotonic(), _busy_seconds(), self._own(), os.getloadavg())
        return self

    def _own(self) -> float:
        return tree_cpu_seconds({os.getpid(), *self.extra_roots()})

    def finish(self) -> dict[str, Any]:
        """``load_before``/``load_after`` (1, 5, 15 min), ``others_cpu_share`` and ``busy``."""
        wall0, busy0, own0, load0 = self._start
        wall = max(time.monotonic() - wall0, 1e-6)
        others = (_busy_seconds() - busy0) - (self._own() - own0)
        share = max(others, 0.0) / (wall * (os.cpu_count() or 1))
        return {
            "load_before": [round(v, 2) for v in load0],
            "load_after": [round(v, 2) for v in os.getloadavg()],
            "others_cpu_share": round(share, 3),
            "busy": share > BUSY_SHARE,
        }


def postgres_pid(data_dir: Path) -> int | None:
    """The postmaster's pid of a server whose data directory is ``data_dir``."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
