"""A private Virtuoso for the benchmark: started on free ports in a work folder, loaded with the
bulk loader, stopped at the end (not a test; used by bench/run.py where Virtuoso is installed).

The store's dump (every graph, with the merged graph as the default graph) is rewritten for
Virtuoso's layout: Virtuoso's default graph is the union of all its graphs, so the merged graph
goes into the named graph ``{base}/graph/_merged`` and the store's state says so, as
``archive load --endpoint`` would have done on that server.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def available() -> bool:
    return bool(VIRTUOSO and ISQL and INI.is_file())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Virtuoso:
    def __init__(self, folder: Path, memory_gb: float = 2.0) -> None:
        folder = folder.resolve()
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.sql_port, self.http_port = free_port(), free_port()
        ini = INI.read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db", str(folder))
        ini = re.sub(r"(?m)^ServerPort\s*=\s*1111\s*$", f"ServerPort = {self.sql_port}", ini)
        ini = re.sub(r"(?m)^ServerPort\s*=\s*8890\s*$", f"ServerPort = {self.http_port}", ini)
        buffers = int(memory_gb * 1e9 / 8700)  # Virtuoso's guidance: 8.5 KB per buffer
        ini = re.sub(r"(?m)^NumberOfBuffers\s*=.*$", f"NumberOfBuffers = {buffers}", ini)
        ini = re.sub(r"(?m)^MaxDirtyBuffers\s*=.*$", f"MaxDirtyBuffers = {buffers * 3 // 4}", ini)
        ini = re.sub(r"(?m)^ResultSetMaxRows\s*=.*$", "ResultSetMaxRows = 100000000", ini)
        ini = re.sub(r"(?m)^MaxQueryExecutionTime\s*=.*$", "MaxQueryExecutionTime = 0", ini)
        ini = re.sub(
            r"(?m)^MaxQueryCostEstimationTime\s*=.*$", "MaxQueryCostEstimationTime = 0", ini
        )
        ini = re.sub(r"(?m)^DirsAllowed\s*=.*$", f"DirsAllowed = ., {folder}", ini)
        (folder / "virtuoso.ini").write_text(ini)
        self.url = f"http://127.0.0.1:{self.http_port}/sparql"
        self.log = open(folder / "out.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],  # type: ignore[list-item]
            cwd=folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                raise RuntimeError((folder / "out.log").read_text()[-2000:])
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("virtuoso did not start within 180 s")
            time.sleep(0.5)
        self.sql('GRANT SPARQL_UPDATE TO "SPARQL";')

    def sql(self, statement: str, timeout: float = 7200) -> str:
        done = subprocess.run(
            [ISQL, str(self.sql_port), "dba", "dba", f"exec={statement}"],  # type: ignore[list-item]
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"{statement}: {done.stdout[-1000:]} {done.stderr[-1000:]}")
        return done.stdout

    def bulk_load(self, nquads: Path) -> float:
        """Load one N-Quads file with Virtuoso's bulk loader; seconds."""
        t0 = time.perf_counter()
        self.sql(f"ld_dir('{nquads.parent}', '{nquads.name}', 'http://default.example');")
        self.sql("rdf_loader_run();")
        self.sql("checkpoint;")
        return time.perf_counter() - t0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def virtuoso_dump(dump: Path, out: Path, base: str) -> int:
    """The store's N-Quads dump in Virtuoso's layout; returns the number of quads."""
    merged = ox.NamedNode(f"{base}/graph/_merged")
    catalog = ox.NamedNode(f"{base}/graph/_catalog")
    arc = "https://advocacy-archive.example/ns#"
    n = 0

    def quads():
        nonlocal n
        yield ox.Quad(catalog, ox.NamedNode(arc + "mergedGraph"), merged, catalog)
        for q in ox.parse(path=str(dump), format=ox.RdfFormat.N_QUADS):
            n += 1
            if isinstance(q.graph_name, ox.DefaultGraph):
                yield ox.Quad(q.subject, q.predicate, q.object, merged)
            else:
                yield q

    with open(out, "wb") as fh:
        ox.serialize(quads(), fh, ox.RdfFormat.N_QUADS)
    return n
