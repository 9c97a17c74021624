"""``python -m bench [--only NAME] [--quick] [--engines sqlite,postgres]``."""

from __future__ import annotations

import argparse
import importlib
import logging
import shutil
import sys
import time
import traceback
from pathlib import Path

from bench.harness import BenchContext, Figure, previous_figures, scratch_dir, write_report
from bench.quiet import LoadWatch


def discover() -> list[str]:
    return sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--quick", action="store_true", help="small workloads (smoke run)")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the figures of benchmarks not run now from the previous latest.json",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    started = time.monotonic()
    workdir = scratch_dir()
    ctx = BenchContext(args.engines.split(","), workdir, quick=args.quick)
    figures: list[Figure] = []
    errors: dict[str, str] = {}
    try:
        for name in discover():
            if args.only and name.removeprefix("bench_") not in args.only and name not in args.only:
                continue
            print(f"== {name}", flush=True)
            t0 = time.monotonic()
            watch = LoadWatch(ctx.server_pids).start()
            try:
                module = importlib.import_module(f"bench.{name}")
                produced = module.run(ctx)
                load = watch.finish()
                for fig in produced:
                    fig.machine_load = load
                    print(
                        f"   {fig.name} [{fig.engine or '-'}] median={fig.median_ms} "
                        f"p99={fig.p99_ms} {fig.extra}",
                        flush=True,
                    )
                figures.extend(produced)
            except Exception as exc:  # one failing benchmark must not hide the others
                traceback.print_exc()
                errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"   ({time.monotonic() - t0:.1f} s; machine {watch.finish()})", flush=True)
    finally:
        ctx.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.merge:
        figures = previous_figures(exclude={f.name for f in figures}) + figures
    path = write_report(figures, errors, started)
    print(f"report: {path} and {path.with_suffix('.md')}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
