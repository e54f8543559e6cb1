"""A load killed at any moment loses nothing and corrupts nothing.

``archive load`` runs in its own process on generated letters and is killed (SIGKILL: no
clean-up of any kind) at several moments, on the bulk path (new documents, into an empty store
and into one that holds documents) and on the transactional path. Then:

- right after the kill, every document in the store is whole (its graph, its catalog entry, its
  share of the merged graph): checked from the raw quads by an independent check;
- a reading command refuses a store the kill left unfinished and says what to run;
- the next writing command finishes the load, after which the independent check finds the
  store consistent in every respect (indexes, merged graph, catalog, harvest order), and the
  temporary files of the bulk loader are gone;
- no worker process outlives the killed load.

Ctrl-C (SIGINT to the process group, as a terminal sends it) stops a load cleanly: no
traceback, a report of what was loaded, a consistent store.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.synth.generate import generate_corpus

from .consistency import check_embedded

ARCHIVE = [sys.executable, "-m", "archive"]
BASE = "https://advocacy-archive.example"
N = 24  # letters in the first load; 8 more are added to it
MORE = 8


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path]:
    """Two folders of letters: a first load, and more to add to it."""
    root = tmp_path_factory.mktemp("letters")
    generate_corpus(N + MORE, 21, root / "all")
    files = sorted((root / "all").glob("*.xml"))
    first, more = root / "first", root / "more"
    first.mkdir()
    more.mkdir()
    for i, f in enumerate(files):
        f.rename((first if i < N else more) / f.name)
    return first, more


def archive(*args: str, check: bool = False, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    r = subprocess.run(
        [*ARCHIVE, *args], capture_output=True, text=True, env=env, timeout=600, **kw
    )
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(entry.name))
    return out


def alive(pids: set[int]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists() and "zombie" not in _state(p)}


def _state(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}") / "status").read_text().split("State:")[1].split("\n")[0]
    except (OSError, IndexError):
        return "zombie"


def start_load(store: Path, folder: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    return subprocess.Popen(
        [*ARCHIVE, "load", str(folder), "--store", str(store), "--jobs", "2", "-q", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )


def kill_during(
    store: Path, folder: Path, after: float, *extra: str
) -> tuple[bool, set[int], float]:
    """Start a load, SIGKILL it ``after`` seconds in; (whether it was killed, its workers, how
    long it ran)."""
    proc = start_load(store, folder, *extra)
    started = time.monotonic()
    deadline = started + after
    workers: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        workers |= children(proc.pid)
        time.sleep(0.05)
    killed = proc.poll() is None
    if killed:
        workers |= children(proc.pid)
        proc.kill()
    ran = time.monotonic() - started
    proc.communicate(timeout=60)
    return killed, workers, ran


def timed_load(store: Path, folder: Path, *extra: str) -> float:
    t0 = time.monotonic()
    archive("load", str(folder), "--store", str(store), "--jobs", "2", "-q", *extra, check=True)
    return time.monotonic() - t0


def whole_documents(store: Path) -> list[str]:
    """The independent check, less what a bulk load finishes later (index shares)."""
    return [p for p in check_embedded(store, BASE) if "index" not in p and "pending" not in p]


@pytest.mark.parametrize(
    ("path", "extra", "into"),
    [
        ("bulk, into an empty store", ("--batch-size", "4"), "empty"),
        ("bulk, into a store with documents", ("--batch-size", "2"), "filled"),
        ("transactions", ("--no-bulk", "--batch-size", "4"), "empty"),
    ],
    ids=["bulk-empty", "bulk-filled", "transactional"],
)
def test_a_killed_load_leaves_whole_documents_and_the_next_command_finishes_it(
    path: str, extra: tuple[str, ...], into: str, corpus, tmp_path: Path
) -> None:
    first, more = corpus
    folder = more if into == "filled" else first
    # how long the whole load takes here, to kill it at moments spread over it
    reference = tmp_path / "reference"
    if into == "filled":
        timed_load(reference, first)
    duration = timed_load(reference, folder, *extra)
    rng = random.Random(hash(path) & 0xFFFF)
    kills = 0
    # two kills at moments spread over the load; on a loaded machine a load's duration varies,
    # so a load that ends before its kill teaches how long loads take now, and we try again
    for i, fraction in enumerate((0.45, 0.8, 0.3, 0.6, 0.2)):
        if kills == 2:
            break
        store = tmp_path / f"store-{i}"
        if into == "filled":
            timed_load(store, first)
        after = duration * fraction + rng.uniform(-0.1, 0.1) * duration
        killed, workers, ran = kill_during(store, folder, max(0.2, after), *extra)
        if not killed:
            duration = min(duration, ran)
            continue
        kills += 1
        time.sleep(1.5)  # workers poll for their parent twice a second
        assert alive(workers) == set(), "worker processes outlived the killed load"
        if not (store / "CURRENT").exists():
            continue  # killed before the store was created: nothing to check
        assert whole_documents(store) == [], f"{path}: half a document after the kill"
        listed = archive("list", "--store", str(store), "--format", "json")
        if listed.returncode != 0:  # a reading command refuses, and says what to run
            assert listed.returncode == 2
            assert "archive repair --store" in listed.stderr and "Traceback" not in listed.stderr
            assert "interrupted load" in listed.stderr or "interrupted load or" in listed.stderr
        (store / "bulk-0000.sst").write_bytes(b"left over")  # as a killed bulk load leaves
        again = archive("load", str(folder), "--store", str(store), "-q", *extra)
        assert again.returncode == 0, again.stdout + again.stderr
        assert check_embedded(store, BASE) == []
        assert not list(store.glob("bulk-*.sst"))
        listed = archive("list", "--store", str(store), "--format", "json", check=True)
        expected = N + MORE if into == "filled" else N
        assert listed.stdout.count('"slug"') == expected
    assert kills >= 1, f"the load finished before it could be killed ({duration:.1f} s)"


def test_repair_says_what_it_finished(corpus, tmp_path: Path) -> None:
    first, _ = corpus
    store = tmp_path / "store"
    timed_load(store, first, "--batch-size", "6")
    # what a load killed between a bulk write and its index transaction leaves
    import pyoxigraph as ox

    s = ox.Store(str(store))
    s.update(
        f"""PREFIX arc: <https://advocacy-archive.example/ns#>
INSERT {{ GRAPH <{BASE}/graph/_catalog> {{ ?g arc:indexPending true }} }}
WHERE {{ GRAPH <{BASE}/graph/_catalog> {{ ?g a arc:DocumentGraph }} }}"""
    )
    s.update(f"DROP GRAPH <{BASE}/graph/_index/cosignatories>")
    s.update(f"DROP GRAPH <{BASE}/graph/_index/addressee-years>")
    del s
    r = archive("stats", "--store", str(store))
    assert r.returncode == 2 and f"{N} document(s) it wrote" in r.stderr
    r = archive("repair", "--store", str(store), check=True)
    assert f"applied the index share of {N} document(s)" in r.stdout
    assert check_embedded(store, BASE) == []
    r = archive("repair", "--store", str(store), check=True)
    assert "nothing to repair" in r.stdout


def test_ctrl_c_stops_a_load_cleanly(corpus, tmp_path: Path) -> None:
    first, _ = corpus
    duration = timed_load(tmp_path / "reference", first, "--batch-size", "6")
    # on a loaded machine a load's pace varies: Ctrl-C may come before the load began (still
    # starting: no report) or after it ended; try other moments until it lands mid-load
    for i, fraction in enumerate((0.6, 0.8, 0.4, 0.9)):
        store = tmp_path / f"store-{i}"
        proc = start_load(store, first, "--batch-size", "6")
        time.sleep(duration * fraction)
        workers = children(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        out, err = proc.communicate(timeout=120)
        assert "Traceback" not in err and "KeyboardInterrupt" not in err
        if proc.returncode in (0, -signal.SIGINT):
            continue  # the load finished before Ctrl-C, or Python had not yet started
        assert proc.returncode == 130, out + err
        time.sleep(1)
        assert alive(workers) == set()
        if (store / "CURRENT").exists():
            assert check_embedded(store, BASE) == []  # no repair needed: it stopped cleanly
        if "interrupted:" not in out:
            continue  # before the load began: nothing loaded, nothing to report
        assert "not attempted" in out
        loaded = int(out.split(" loaded,")[0].split()[-1])
        if loaded == 0:
            assert not store.exists()  # a new store with nothing written is not kept
            return
        listed = archive("list", "--store", str(store), "--format", "json", check=True)
        assert listed.stdout.count('"slug"') == loaded
        return
    pytest.skip("Ctrl-C never came in the middle of a load")
