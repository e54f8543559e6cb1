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

from ..store.conftest import free_port

ARCHIVE = Path(sys.executable).parent / "archive"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}


def test_serve_runs_answers_and_stops_cleanly(web_archive, tmp_path):
    # a copy: the session's store is held open by the other web tests
    import shutil

    store = tmp_path / "store"
    shutil.copytree(web_archive.store_path, store)
    shutil.copy(web_archive.root / "store.search.sqlite", tmp_path / "store.search.sqlite")
    port = free_port()
    proc = subprocess.Popen(
        [str(ARCHIVE), "serve", "--store", str(store), "--port", str(port), "--title", "Test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline
                time.sleep(0.2)
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
