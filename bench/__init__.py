"""Calltime's benchmarks. ``make bench`` (``python -m bench``) runs every ``bench_*.py``."""
