"""The one job runner of render, slides and film: jobs in, results and failures out.

Jobs run in threads, each of which drives one worker process, at most `workers` at a time. The
longest scenes start first, so the last job to start is a short one and the workers finish
together. Each running job holds a slot number that no other running job holds (a render keeps
its LaTeX/text caches per slot). Progress goes out through one callback.
"""
from __future__ import annotations

import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from output.jobs import RenderError

Job = TypeVar("Job")


@dataclass(frozen=True)
class Event(Generic[Job]):
    """What the progress callback hears: a job `started`, is `done` (with its result) or `failed`."""

    job: Job
    status: str
    result: Any = None
    error: RenderError | None = None


@dataclass
class Outcome(Generic[Job]):
    results: list[tuple[Job, Any]] = field(default_factory=list)  # in the order the jobs were given
    failures: list[tuple[Job, RenderError]] = field(default_factory=list)


def run_jobs(jobs: Sequence[Job], work: Callable[[Job, int], Any], *, workers: int | None = None,
             longest_first: Callable[[Job], float] | None = None,
             on_event: Callable[[Event], None] = lambda event: None) -> Outcome:
    """Run `work(job, slot)` for every job. A RenderError fails that job only; others still finish.
    `longest_first(job)`: the job's expected length, to start long jobs first."""
    outcome: Outcome = Outcome()
    if not jobs:
        return outcome
    count = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(count):
        slots.put(slot)

    def one(job):
        slot = slots.get()
        try:
            on_event(Event(job, "started"))
            return work(job, slot)
        finally:
            slots.put(slot)

    order = sorted(range(len(jobs)), key=lambda i: -longest_first(jobs[i])) if longest_first else range(len(jobs))
    results: dict[int, Any] = {}
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = {pool.submit(one, jobs[i]): i for i in order}
        try:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except RenderError as err:
                    outcome.failures.append((jobs[i], err))
                    on_event(Event(jobs[i], "failed", error=err))
                    continue
                on_event(Event(jobs[i], "done", result=results[i]))
        except BaseException:  # an interruption: no queued job starts; the running ones end with their workers
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    outcome.results = [(jobs[i], results[i]) for i in sorted(results)]
    return outcome
