"""CPU and memory of the processes under test, sampled with psutil while the bench runs."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import psutil  # type: ignore[import-untyped]

SAMPLE_S = 0.2


@dataclass
class Watched:
    """One named process; ``tree`` also counts its children (Postgres backends)."""

    name: str
    pid: int
    tree: bool = False
    peak_rss: int = 0
    _process: psutil.Process | None = field(default=None, repr=False)

    def processes(self) -> list[psutil.Process]:
        try:
            if self._process is None or not self._process.is_running():
                self._process = psutil.Process(self.pid)
            root = self._process
            return [root, *root.children(recursive=True)] if self.tree else [root]
        except psutil.Error:
            return []

    def cpu_by_pid(self) -> dict[int, float]:
        """CPU seconds of each process; the root's also counts children it has reaped.

        Postgres backends come and go with client connections: a backend that ended between two marks is
        gone from the tree, but its time has moved into the postmaster's ``children_*`` times.
        """
        found: dict[int, float] = {}
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                found[process.pid] = times.user + times.system
                if process.pid == self.pid:
                    found[process.pid] += times.children_user + times.children_system
        return found

    def sample_rss(self) -> None:
        if self.tree:
            return  # a tree's RSS counts shared memory once per process: meaningless as a sum
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                self.peak_rss = max(self.peak_rss, process.memory_info().rss)


@dataclass(frozen=True)
class CpuMark:
    at: float
    by_name: dict[str, dict[int, float]]
    machine_busy: float


class Monitor:
    """A thread that keeps the peak RSS of each watched process; ``mark()`` and ``cpu_since()`` time phases."""

    def __init__(self) -> None:
        self._watched: dict[str, Watched] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-monitor", daemon=True)

    def watch(self, name: str, pid: int | None, *, tree: bool = False) -> None:
        if pid is None:
            return
        with self._lock:
            self._watched[name] = Watched(name, pid, tree)

    def forget(self, name: str) -> None:
        with self._lock:
            self._watched.pop(name, None)

    def peak_rss_mb(self) -> dict[str, float]:
        with self._lock:
            return {w.name: round(w.peak_rss / 2**20, 1) for w in self._watched.values() if w.peak_rss}

    def mark(self) -> CpuMark:
        with self._lock:
            watched = list(self._watched.values())
        return CpuMark(time.monotonic(), {w.name: w.cpu_by_pid() for w in watched}, _machine_busy())

    def cpu_since(self, start: CpuMark) -> dict[str, float]:
        """Percent of one core used by each process since ``start``; ``machine`` is all CPUs together."""
        end = self.mark()
        wall = end.at - start.at
        if wall <= 0:
            return {}
        used: dict[str, float] = {}
        for name, now in end.by_name.items():
            before = start.by_name.get(name, {})
            seconds = sum(total - before.get(pid, 0.0) for pid, total in now.items())
            used[name] = round(100 * seconds / wall, 1)
        machine = 100 * (end.machine_busy - start.machine_busy) / wall
        used["other"] = round(max(0.0, machine - sum(used.values())), 1)  # processes not ours: a shared machine
        used["machine"] = round(machine, 1)
        return used

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            with self._lock:
                watched = list(self._watched.values())
            for item in watched:
                item.sample_rss()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def _machine_busy() -> float:
    times = psutil.cpu_times()
    fields = ("user", "nice", "system", "irq", "softirq", "steal")  # guest time is already in user
    return float(sum(getattr(times, name, 0.0) for name in fields))


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port (to watch a Postgres the bench did not start)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
            pid: int | None = connection.pid
            return pid
    return None
