"""One page run reads one import (issue 23 item 9): while the importer's atomic swap replaces the warehouse
file again and again, every run shows one import's numbers only, never its sidebar from the old import and
its cards from the new. Two warehouses with distinguishable numbers (data to 2024-12 and to 2024-06) are
swapped in by os.replace, as the importer does, while runs go on."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.importer import Importer
from tests.conftest import KEY, open_app, shown_text
from ui import data

APP = str(Path(__file__).resolve().parent / "apps" / "one_import.py")
LAST = {"old": "2024-12", "new": "2024-06"}


@pytest.fixture(scope="module")
def two_imports(extracts, tmp_path_factory) -> dict[str, Path]:
    """The test county imported twice, its data cut at two months: every marker of the test app differs."""
    folder = Path(shutil.copytree(extracts, tmp_path_factory.mktemp("one-import") / "extracts"))
    out = {}
    for name, until in LAST.items():
        path = folder.parent / f"{name}.duckdb"
        Importer(folder, str(path), until, KEY, log=lambda *_: None).run()
        out[name] = path
    return out


class Swapper:
    """A thread that puts a fresh copy of either warehouse in place by an atomic rename, every `every` s."""

    def __init__(self, sources: dict[str, Path], target: Path, every: float) -> None:
        self.sources, self.target, self.every = list(sources.values()), target, every
        self.swaps = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            source = self.sources[self.swaps % 2]
            tmp = self.target.with_suffix(".swap")
            shutil.copyfile(source, tmp)
            os.replace(tmp, self.target)
            self.swaps += 1
            self._stop.wait(self.every)

    def __enter__(self) -> Swapper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def markers(at) -> set[str]:
    """The month each part of the run showed (sidebar context, text query, card queries)."""
    texts = [t.value for t in at.sidebar.text] + [t.value for t in at.main.text]
    assert len(texts) == 4, texts
    return {t.rsplit(" ", 1)[1] for t in texts}


@pytest.mark.slow  # a stress run: 20 s of rapid swaps under a page (CI runs it)
def test_no_run_mixes_two_imports(two_imports, tmp_path, monkeypatch):
    target = tmp_path / "county.duckdb"
    shutil.copyfile(two_imports["old"], target)
    monkeypatch.setenv("WAREHOUSE_URL", str(target))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and markers(at) == {LAST["old"]}
    runs, mixed, seen = 0, [], set()
    deadline = time.monotonic() + 20
    with Swapper(two_imports, target, every=0.15) as swapper:
        while runs < 80 and time.monotonic() < deadline:
            at.run()
            assert not at.exception, at.exception
            shown = markers(at)
            runs += 1
            seen |= shown
            if len(shown) > 1:
                mixed.append(shown)
    print(f"{runs} runs, {swapper.swaps} swaps, {len(mixed)} mixed")
    assert swapper.swaps > runs / 2 and seen == set(LAST.values())  # both imports were read
    assert not mixed, f"{len(mixed)} of {runs} runs mixed two imports: {mixed[:3]}"


def test_outside_a_run_every_call_reads_the_current_import(two_imports, tmp_path, monkeypatch):
    """The command line and tests have no run to pin: each call reads the import now in place."""
    target = tmp_path / "county.duckdb"
    shutil.copyfile(two_imports["old"], target)
    monkeypatch.setenv("WAREHOUSE_URL", str(target))
    first = data.pinned(str(target))
    os.replace(shutil.copyfile(two_imports["new"], tmp_path / "x.duckdb"), target)
    assert data.pinned(str(target)) != first  # no run: no pin


@pytest.mark.slow
def test_a_real_page_under_swaps_shows_one_import(two_imports, tmp_path, monkeypatch):
    """总览 under swaps: every run's text is the text of one import, as drawn with that import alone."""
    target = tmp_path / "county.duckdb"
    monkeypatch.setenv("WAREHOUSE_URL", str(target))
    alone = {}
    for name, source in two_imports.items():
        shutil.copyfile(source, target)
        # a rerun's text, as every run below is (a session's first run shows the map's static picture too)
        alone[name] = shown_text(open_app("overview", {"year": "2024"}).run())
    assert alone["old"] != alone["new"]
    at = open_app("overview", {"year": "2024"})
    runs, mixed = 0, 0
    with Swapper(two_imports, target, every=0.2):
        for _ in range(12):
            at.run()
            assert not at.exception, at.exception
            runs += 1
            mixed += shown_text(at) not in alone.values()
    assert mixed == 0, f"{mixed} of {runs} runs of 总览 showed a mix of two imports"
