"""Scheduled jobs: follow-up nudges, the morning brief, idle sessions, leaderboards.

Each job is a plain function taking a :class:`~bot.runtime.Runtime`; it reloads what
it needs, is safe to run twice and logs itself in ``job_runs``. :mod:`bot.scheduler.clock`
puts them on APScheduler.
"""
