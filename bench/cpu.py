"""Where the CPU goes during a benchmark: seconds of CPU (user + system) per group of processes,
read from /proc (Linux), so that a result can say which part of the system is the bottleneck."""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid → (parent pid, command name, CPU seconds so far) for every process we can read."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after its last ")".
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        parent, user, system = int(fields[1]), int(fields[11]), int(fields[12])
        table[int(entry.name)] = (parent, name, (user + system) / TICKS)
    return table


def _descendants(table, root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _, _) in table.items() if ppid == parent]
        found.update(children)
        frontier.extend(children)
    return found & table.keys()


class CpuMeter:
    """CPU seconds spent by named groups between `start()` and `stop()`. A group is one process
    without its children (`processes`), a process and its descendants (`trees`), or every
    process with a given command name (`names`). Only processes alive at both ends count."""

    def __init__(
        self,
        *,
        processes: dict[str, int] | None = None,
        trees: dict[str, int] | None = None,
        names: dict[str, str] | None = None,
    ):
        self.processes, self.trees, self.names = processes or {}, trees or {}, names or {}
        self._started: dict[str, float] = {}

    def _snapshot(self) -> dict[str, float]:
        table = _processes()
        totals = {group: table[pid][2] for group, pid in self.processes.items() if pid in table}
        for group, root in self.trees.items():
            totals[group] = sum(table[pid][2] for pid in _descendants(table, root))
        for group, name in self.names.items():
            totals[group] = sum(cpu for _, command, cpu in table.values() if command == name)
        return totals

    def start(self) -> None:
        self._started = self._snapshot()

    def stop(self) -> dict[str, float]:
        """CPU seconds per group since `start()`."""
        ended = self._snapshot()
        return {group: ended[group] - self._started.get(group, 0.0) for group in ended}

    @staticmethod
    def report(spent: dict[str, float], count: int, label: str) -> str:
        """One line per group, the largest first: milliseconds of CPU per `label`."""
        lines = [
            f"    {group:<32} {seconds * 1000 / count:6.1f} ms/{label}"
            for group, seconds in sorted(spent.items(), key=lambda item: -item[1])
        ]
        lines.append(f"    {'all':<32} {sum(spent.values()) * 1000 / count:6.1f} ms/{label}")
        return "\n".join(lines)
