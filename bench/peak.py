"""Run a module as __main__ and record the process's peak resident memory (VmHWM) in a file, then its CPU
seconds (user + system, all threads) on the same line.

    python -m bench.peak PEAK_FILE MODULE [ARGS...]

`getrusage(...).ru_maxrss` is the wrong number for a child of a big process: Linux keeps the
high-water mark across fork and exec, so a child of the benchmark (which holds the pandas baseline)
would report the benchmark's memory. VmHWM in /proc/self/status belongs to the process's own
address space, which exec replaces. The largest waited-for child's peak (ru_maxrss of the children)
counts too, should the module start any.
"""

from __future__ import annotations

import resource
import runpy
import sys
from pathlib import Path


def vm_hwm_mb() -> float:
    """Peak resident set size of this process's address space, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    peak_file, module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF)
        Path(peak_file).write_text(f"{max(vm_hwm_mb(), children_mb):.1f} {own.ru_utime + own.ru_stime:.1f}\n")


if __name__ == "__main__":
    main()
