"""What every benchmark module shares: percentiles, milliseconds as text, the machine's description (here, so
that bench.run and the modules it runs import it without importing each other)."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

import duckdb
import pandas as pd


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method); the value itself for one sample."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def machine() -> dict:
    """Cores, memory, CPU model, versions."""
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    import pyarrow
    import streamlit
    return {"cores": os.cpu_count(), "memory_gib": mem_kb / 2**20, "cpu": model,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "duckdb": duckdb.__version__, "streamlit": streamlit.__version__, "pandas": pd.__version__,
            "pyarrow": pyarrow.__version__}
