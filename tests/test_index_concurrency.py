"""One writer at a time, any number of readers, and crashes that leave the old index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from index.results import BuildInProgress
from index.store import IndexStore

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QUERIES = ["sockmap", "landlock", "author:kicinski", "kind:slides xdp", "arm jit",
           "date:2017-05..2017-06", "bpf_xdp_adjust_head", "sokcmap"]

# A build in another process that stops after writing its generation, before the swap.
HANGING_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from index.manifest import Manifest
    from index.store import IndexStore

    def hang(self, directory):
        Path(sys.argv[2]).write_text(str(directory))
        time.sleep(120)

    Manifest.write = hang
    IndexStore(Path(sys.argv[1])).build([Path(sys.argv[3])])
    """
)


def test_searches_never_fail_while_builds_swap_the_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    issues = tmp_path / "issues"
    shutil.copytree(SEEDS, issues)
    store = IndexStore(data)
    store.build([issues])
    failures: list[str] = []
    done = [0]
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            for text in QUERIES:
                try:
                    result = store.search(text)
                    if text != "sokcmap" and not result.hits:
                        failures.append(f"no hits for {text!r}")
                    done[0] += 1
                except Exception as error:  # noqa: BLE001 - any failure fails the test
                    failures.append(f"{text!r}: {error!r}")

    threads = [threading.Thread(target=search_forever) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        other = IndexStore(data)  # a second store on the same data dir, as another process
        store.build([issues])
        other.build([issues])
        changed = issues / "003_8ba0f59055e39228.txt"
        changed.write_text(changed.read_text() + "\nA late note on sockmap.\n")
        assert [s.number for s in store.update([issues]).changed] == [2]
        # and a real other process
        subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from index.store import IndexStore; "
             "IndexStore(Path(sys.argv[1])).build([Path(sys.argv[2])])", str(data), str(issues)],
            cwd=ROOT, check=True, timeout=120)
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    other.close()
    assert not failures, failures[:5]
    assert done[0] > 50
    generations = [p for p in store.root.iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2, "only the served and the previous generation remain"
    store.close()


def test_one_writer_at_a_time_in_one_process(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "data")
    store.build([SEEDS])
    other = IndexStore(tmp_path / "data")
    with store._writer():
        with pytest.raises(BuildInProgress, match="a build is already running"):
            other.build([SEEDS])
        caught: list[BaseException] = []
        thread = threading.Thread(target=lambda: _capture(caught, store.update, [SEEDS]))
        thread.start()
        thread.join()
        assert caught and isinstance(caught[0], BuildInProgress)
        assert store.search("sockmap").hits, "reading goes on during a build"
    assert store.update([SEEDS]).added == []
    store.close()
    other.close()


def _capture(caught: list[BaseException], function, *args) -> None:  # noqa: ANN001
    try:
        function(*args)
    except BaseException as error:  # noqa: BLE001 - handed to the test
        caught.append(error)


def test_a_killed_build_leaves_the_old_index_serving(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = IndexStore(data)
    store.build([SEEDS])
    served = (store.root / "CURRENT").read_text()
    marker = tmp_path / "written"
    child = subprocess.Popen(
        [sys.executable, "-c", HANGING_BUILD, str(data), str(marker), str(SEEDS)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child build died early"
            assert time.monotonic() < deadline, "the child build never got going"
            time.sleep(0.05)
        half_built = Path(marker.read_text())
        assert half_built.exists()
        with pytest.raises(BuildInProgress) as busy:
            store.build([SEEDS])
        assert busy.value.message == "a build is already running"
        with pytest.raises(BuildInProgress):
            IndexStore(data).update([SEEDS])
        assert store.search("landlock").hits
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert (store.root / "CURRENT").read_text() == served
    assert store.search("landlock").hits, "the previous index still serves"
    assert half_built.exists()
    report = store.build([SEEDS])  # the lock died with the process
    assert report.full and not half_built.exists(), "the next build cleans up"
    assert store.search("sockmap").hits
    store.close()
