"""Ingest: validate, extract and load TEI files into a store, in bulk.

The pipeline behind ``archive load``, as a plain function the command line and the benchmarks
share. Files whose bytes are already in the store are not validated again; the others are
validated (every layer, SHACL with the compiled shapes) in worker processes, which also render
each document for the store (:func:`archive.store.document.prepare`), so that the process that
writes receives a string per document, not rdflib terms to convert. A file that fails
validation is not loaded unless ``allow_invalid``.

Worker processes end with the process that started them (killed, crashed, interrupted), and
ignore Ctrl-C: the first Ctrl-C stops the load cleanly after the documents already validated
are written (the report says what was loaded and what was not attempted); a second one stops
at once (the next command that opens the store then finishes what the load wrote).
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import StoreError
from archive.findings import Report
from archive.procutil import die_with_parent
from archive.store.base import LoadResult, Outcome, Store
from archive.store.document import prepare
from archive.tei.files import expand_paths
from archive.tei.levels import level_from
from archive.validate.record import FileResult, validate_readable

PARALLEL_FROM = 8  # files: below this, worker processes cost more than they save
# Results in flight: enough for the workers to keep validating while the store writes a bulk
# batch (a second or two), few enough to keep memory flat (about 100 KB each).
WINDOW = 256


@dataclass
class InvalidFile:
    """A file that failed validation (or yielded no document), and whether it was loaded."""

    source: str
    report: Report
    loaded: bool
    outcome: str = "invalid"  # or "empty": valid, but nothing to extract

    def summary(self, limit: int = 3) -> str:
        if self.outcome == "empty":
            return "no document could be extracted"
        errors = self.report.errors()
        shown = "; ".join(
            f"[{f.rule}] {f.message}"
            + (f" (line {f.line})" if f.line else "")
            + (
                " [also: " + ", ".join(dict.fromkeys(e.rule for e in f.echoes)) + "]"
                if f.echoes
                else ""
            )
            for f in errors[:limit]
        )
        more = f"; and {len(errors) - limit} more" if len(errors) > limit else ""
        return f"invalid: {len(errors)} error(s): {shown}{more}"

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "loaded": self.loaded,
            "error": self.summary(),
            "errors": [f.to_dict() for f in self.report.errors()],
        }


@dataclass
class IngestReport:
    """What a load did: one result per document, and every file that was not (fully) loaded."""

    files: int
    seconds: float = 0.0
    results: list[LoadResult] = field(default_factory=list)
    invalid: list[InvalidFile] = field(default_factory=list)
    interrupted: bool = False  # stopped by Ctrl-C: what was written is whole
    not_attempted: int = 0  # files not read because the load was interrupted
    notes: list[str] = field(default_factory=list)  # what the store repaired before loading
    level: str = "project"  # the conformance level files were validated at

    @property
    def counts(self) -> dict[str, int]:
        return {o.value: sum(1 for r in self.results if r.outcome is o) for o in Outcome}

    @property
    def failed(self) -> list[LoadResult]:
        return [r for r in self.results if r.outcome is Outcome.FAILED]

    @property
    def rejected(self) -> list[InvalidFile]:
        return [i for i in self.invalid if not i.loaded]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failed or self.rejected else 0


def validate_for_load(task: tuple[str, str | None, bool, str | None, Any]) -> FileResult:
    """Validate one file (in a worker); what comes back must pickle (no lxml tree)."""
    path, base, allow_invalid, level, shapes = task
    result = validate_readable(Path(path), base, tei_all="auto", level=level, shapes=shapes)
    result.parsed = None
    if not result.report.valid and not allow_invalid:
        result.documents = []
    return result


def validate_and_prepare(task: Any) -> FileResult:
    """Validate one file and render its documents for the store (in a worker).

    A document that cannot be rendered is passed on as it is: the store refuses it with the
    reason, and the file's other documents load.
    """
    result = validate_for_load(task)
    ready: list[Any] = []
    for doc in result.documents:
        try:
            ready.append(prepare(doc))
        except StoreError:
            ready.append(doc)
    result.documents = ready
    return result


def _worker_start(parent: int) -> None:
    """In each worker: ignore Ctrl-C (the parent decides), and end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()  # Linux: the kernel kills us when the parent dies
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(1)

    def watch() -> None:  # everywhere else (and belt and braces): poll for a new parent
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _compile_before_fork(shapes: Any) -> None:
    """Compile the schemas and shapes once, in this process: forked workers inherit them, so
    a folder of files compiles nothing twice."""
    from archive.shacl.run import compile_shapes
    from archive.tei import schema

    schema.project_schema()
    compile_shapes(shapes)


def bounded_map(
    pool: ProcessPoolExecutor,
    fn: Callable[[Any], Any],
    items: list[Any],
    window: int,
    stop: Callable[[], bool] = lambda: False,
) -> Iterator[Any]:
    """``pool.map`` in order, with at most ``window`` results in flight.

    ``Executor.map`` submits every task at once and keeps every finished result until it is
    read: when the store writes slower than the workers validate, results pile up in memory
    (measured: 1.1 GB for 3,000 letters). A bounded window keeps memory flat. When ``stop``
    says so, nothing more is submitted and what is in flight is dropped.
    """
    pending: deque[Future[Any]] = deque()
    for item in items:
        if stop():
            break
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending and not stop():
        yield pending.popleft().result()
    for future in pending:
        future.cancel()


def file_sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None  # validation reports it


def distinct_files(paths: Iterable[Path]) -> list[str]:
    """The TEI files named, each once: a file given twice, or a folder and a file inside it,
    is one file."""
    out: list[str] = []
    seen: set[str] = set()
    for f in expand_paths(paths):
        try:
            key = str(f.resolve())
        except OSError:
            key = os.path.abspath(f)
        if key not in seen:
            seen.add(key)
            out.append(str(f))
    return out


class _Interrupt:
    """The first Ctrl-C asks the load to stop cleanly; the second stops it at once."""

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None

    def __call__(self) -> bool:
        return self.requested

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _Interrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def ingest(
    paths: Iterable[Path],
    store: Store,
    *,
    allow_invalid: bool = False,
    force: bool = False,
    jobs: int | None = None,
    batch_size: int | None = None,
    atomic: bool = False,
    bulk: bool | None = None,
    on_file: Callable[[], None] | None = None,
    level: str | None = None,
    shapes: Any = None,
) -> IngestReport:
    """Validate, extract and load files and folders; ``on_file`` is called once per file.
    ``shapes``: a repository's own shapes (:func:`archive.shacl.load_shapes_files`)."""
    started = time.perf_counter()
    level = level_from(level).value  # an unknown level stops here, before anything is read
    files = distinct_files(paths)
    report = IngestReport(files=len(files), level=level)
    processed = 0

    def tick() -> None:
        nonlocal processed
        processed += 1
        if on_file:
            on_file()

    n_jobs = jobs or ((os.cpu_count() or 1) if len(files) > PARALLEL_FROM else 1)
    base = store.base
    store.notes = []  # the store repairs what an interrupted load left on its first write

    # A file whose bytes are already in the store is not validated again (unless forced):
    # re-running a load over a large folder costs a hash per file, not a validation. With a
    # repository's own shapes every file is validated again: the store does not record which
    # shapes a file passed, and a file validated against other shapes is not unchanged
    # (documents whose content is the same are still reported unchanged, and not rewritten).
    known = {} if force or shapes is not None else store.digests()
    skipped: list[LoadResult] = []
    tasks = []
    # two files with one name (the store's name for a source) are both read, so that one
    # document from both is refused as such rather than one passing as the other's new version
    names = Counter(Path(f).name for f in files)
    for f in files:
        digest = file_sha256(f) if known and names[Path(f).name] == 1 else None
        if digest in known:
            tick()
            skipped.extend(
                LoadResult(store.uris.slug_of_graph(g) or g, g, Outcome.UNCHANGED, n, f)
                for g, n in known[digest]
            )
        else:
            tasks.append((f, base, allow_invalid, level, shapes))

    interrupt = _Interrupt()

    def feed(outcomes: Iterator[FileResult]) -> Iterator[Any]:
        for result in outcomes:
            tick()
            if not result.report.valid:
                report.invalid.append(
                    InvalidFile(result.label, result.report, loaded=bool(result.documents))
                )
            elif not result.documents:
                report.invalid.append(
                    InvalidFile(result.label, result.report, loaded=False, outcome="empty")
                )
            yield from result.documents
            if interrupt():
                return

    def documents() -> Iterator[Any]:
        if n_jobs == 1 or len(tasks) <= PARALLEL_FROM:
            yield from feed(validate_and_prepare(t) for t in tasks if not interrupt())
            return
        _compile_before_fork(shapes)
        pool = ProcessPoolExecutor(n_jobs, initializer=_worker_start, initargs=(os.getpid(),))
        try:
            yield from feed(
                bounded_map(pool, validate_and_prepare, tasks, window=WINDOW, stop=interrupt)
            )
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    kwargs: dict[str, Any] = {"force": force, "atomic": atomic}
    if batch_size:
        kwargs["batch_size"] = batch_size
    if store.backend == "embedded":
        kwargs["bulk"] = bulk
    with interrupt:
        if atomic:
            docs = list(documents())
            if report.rejected or interrupt():  # all or nothing: nothing written
                reason = (
                    "not loaded: the load was interrupted"
                    if interrupt()
                    else "not loaded: another file failed validation"
                )
                results = [
                    LoadResult(
                        d.slug,
                        d.graph,
                        Outcome.FAILED,
                        source=str(d.source) if d.source else None,
                        error=reason,
                    )
                    for d in docs
                ]
            else:
                results = store.load(docs, **kwargs)
        else:
            results = store.load(documents(), stop=interrupt, **kwargs)
    report.results = skipped + list(results)
    report.interrupted = interrupt()
    report.not_attempted = len(files) - processed
    report.notes = list(store.notes)
    report.seconds = time.perf_counter() - started
    return report
