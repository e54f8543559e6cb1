"""`archive serve` as users run it: a real process on a free port, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ..store.conftest import free_port

ARCHIVE = Path(sys.executable).parent / "archive"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}


def copy_of_store(web_archive, tmp_path: Path) -> Path:
    """A copy: the session's store is held open by the other web tests."""
    import shutil

    store = tmp_path / "store"
    shutil.copytree(web_archive.store_path, store)
    shutil.copy(web_archive.root / "store.search.sqlite", tmp_path / "store.search.sqlite")
    return store


def serve(store: Path, port: int, *args: str) -> tuple[subprocess.Popen, httpx.Response]:
    """`archive serve` on ``port``, and its home page once it answers."""
    proc = subprocess.Popen(
        [str(ARCHIVE), "serve", "--store", str(store), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env(),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            return proc, httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(proc.communicate()[0].decode()) from None
            time.sleep(0.2)


def test_serve_runs_answers_and_stops_cleanly(web_archive, tmp_path):
    store = copy_of_store(web_archive, tmp_path)
    port = free_port()
    proc, r = serve(store, port, "--title", "Test")
    try:
        assert r.status_code == 200 and "<title>Test</title>" in r.text
        r = httpx.get(
            f"http://127.0.0.1:{port}/id/org/gisti",
            headers={"accept": "text/turtle"},
            follow_redirects=True,
        )
        assert r.status_code == 200 and r.url.path == "/org/gisti.ttl"
        r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.json()["boolean"] is True
        # while it serves, the store is locked: a load is refused with a clear message
        load = subprocess.run(
            [str(ARCHIVE), "load", str(web_archive.files[0]), "--store", str(store)],
            capture_output=True,
            text=True,
            env=env(),
            timeout=120,
        )
        assert load.returncode == 2 and "in use by another process" in load.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert f"at http://127.0.0.1:{port}/" in out


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid`` (Linux /proc)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                out.add(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")
@pytest.mark.parametrize("engine", ["oxigraph", "pyoxigraph"])
def test_no_sparql_worker_outlives_a_killed_server(web_archive, tmp_path, engine):
    """kill -9 gives the server no chance to stop its workers: they must end by themselves
    (a worker left running would hold the store open)."""
    store = copy_of_store(web_archive, tmp_path)
    port = free_port()
    proc, r = serve(store, port, "--workers", "2", "--sparql-engine", engine)
    try:
        assert r.status_code == 200
        r = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert r.json()["boolean"] is True
        workers = _children(proc.pid)
        assert len(workers) >= 2, workers
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    deadline = time.monotonic() + 15
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


def test_serve_refuses_what_it_cannot_do(tmp_path):
    r = subprocess.run(
        [str(ARCHIVE), "serve", "--store", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    assert r.returncode == 2 and "no store at" in r.stderr and "Traceback" not in r.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        r = subprocess.run(
            [str(ARCHIVE), "serve", "--store", str(tmp_path / "none"), "--port", str(busy)],
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
        )
    assert r.returncode == 2 and f"cannot serve on 127.0.0.1:{busy}" in r.stderr
