"""Archivematica: a standard transfer, or a bag laid out as one, and Archivematica's rules for it.

A standard transfer is a folder with ``objects/`` (what is preserved) and ``metadata/``:
``metadata/metadata.csv`` gives each object's Dublin Core (first column ``filename``, then
``dc.*`` columns, repeated for repeated elements), ``metadata/checksum.sha256`` lists every object
with paths relative to ``metadata/`` (``../objects/...``, as ``sha256sum`` writes them when run
there, which is how Archivematica's "Verify metadata directory checksums" job checks them), and
``metadata/submissionDocumentation/`` holds what documents the submission (the validation
reports, the shapes and ontology the records were checked against). Written as a zip or tar, the
same layout goes into a BagIt bag's ``data/`` (Archivematica's "zipped bag" transfer type), with
the bag's manifests instead of the checksum file.

The rules checked (Archivematica user manual, "Transfer" > "Create a transfer" and "Import
metadata"; rule ids are this project's): ``am.objects`` objects/ exists and is not empty;
``am.layout`` nothing but objects/, metadata/ and logs/ at the top; ``am.csv-*`` metadata.csv is
UTF-8 CSV whose first column is ``filename``, whose other columns are ``dc.*`` or ``dcterms.*``
elements, and whose every row names an existing file or folder under objects/; ``am.checksum-*``
checksum files are named ``checksum.{md5,sha1,sha256,sha512}``, list only existing objects, list
every object, and match them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from typing import Any

from archive.deposit.bag import BagSource, write_bag
from archive.deposit.bagcheck import check_bag
from archive.deposit.letter import addressees
from archive.deposit.staged import Staged
from archive.findings import Layer, Report, Severity

DC_ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)
CHECKSUM_FILES = {
    "checksum.md5": "md5",
    "checksum.sha1": "sha1",
    "checksum.sha256": "sha256",
    "checksum.sha512": "sha512",
}
DOCUMENTATION = "metadata/submissionDocumentation"


def _csv(staged: Staged) -> bytes:
    """metadata.csv: one row per TEI record, its Dublin Core in ``dc.*`` columns."""
    rows: list[list[tuple[str, str]]] = []
    for rec in staged.records:
        doc = next((d for d in staged.documents if rec.tei_path.endswith(f"/{d.slug}.xml")), None)
        cells = [("filename", f"objects/{rec.tei_path}")]
        cells += [(f"dc.{name}", value) for name, value in rec.dc.items()]
        if doc is not None:
            text = addressees(doc)
            if text:
                cells.append(("dc.description", text))
        rows.append(cells)
    # columns: every element as often as the row that repeats it most, in DC order
    width: dict[str, int] = {}
    for cells in rows:
        counts: dict[str, int] = {}
        for name, _ in cells:
            counts[name] = counts.get(name, 0) + 1
        for name, n in counts.items():
            width[name] = max(width.get(name, 0), n)
    order = ["filename"] + [f"dc.{e}" for e in DC_ELEMENTS if f"dc.{e}" in width]
    header = [name for name in order for _ in range(width[name])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for cells in rows:
        line = []
        for name in order:
            values = [v for k, v in cells if k == name]
            line += values + [""] * (width[name] - len(values))
        writer.writerow(line)
    return out.getvalue().encode("utf-8")


def layout(staged: Staged) -> str:
    """Write the transfer (or, serialised, the bag laid out as one); return a one-line summary."""
    top = staged.root / "data" if staged.serialized else staged.root
    objects = top / "objects"
    docs = top / DOCUMENTATION
    for path in sorted(staged.data.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(staged.data).as_posix()
        folder = rel.split("/", 1)[0]
        if folder in ("tei", "rdf"):
            target = objects / rel
        elif folder in ("reports", "shapes", "ontology"):
            target = docs / rel
        else:
            continue  # mets.xml and the crate describe the archive's own package layout
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (top / "metadata" / "metadata.csv").write_bytes(_csv(staged))
    if staged.serialized:
        info = [(k, v) for k, v in staged.bag_info if k != "BagIt-Profile-Identifier"]
        summary = write_bag(staged.root, info)
        return f"a bag laid out as a transfer, Payload-Oxum {summary.oxum}"
    lines = []
    files = sorted(p for p in objects.rglob("*") if p.is_file())
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  ../objects/{path.relative_to(objects).as_posix()}\n")
    (top / "metadata" / "checksum.sha256").write_text("".join(lines), encoding="utf-8")
    return f"{len(files)} object(s), metadata.csv and checksum.sha256"


# --------------------------------------------------------------------------- checking


def check(
    src: BagSource,
    report: Report,
    *,
    base: str | None = None,
    tei: bool = True,
    level: str | None = None,
    shapes: Any = None,
) -> None:
    """Archivematica's transfer rules (a standard transfer, or a bag laid out as one)."""
    prefix = ""
    if src.resolve("bagit.txt") is not None:
        bag = check_bag(src)
        report.extend(bag.findings)
        prefix = "data/"
    add = _adder(src, report)
    names = sorted(n for n, m in src.members.items() if m.kind in ("file", "link"))
    tops = {n[len(prefix) :].split("/", 1)[0] for n in names if n.startswith(prefix)}
    tops |= {
        n[len(prefix) :].split("/", 1)[0]
        for n, m in src.members.items()
        if m.kind == "dir" and n.startswith(prefix)
    }
    objects = [n for n in names if n.startswith(f"{prefix}objects/")]
    if not objects:
        add(
            "am.objects",
            f"{prefix}objects/ is missing or empty: a transfer preserves the files under objects/",
            f"{prefix}objects",
        )
    allowed = {"objects", "metadata", "logs"}
    for top in sorted(tops - allowed):
        add(
            "am.layout",
            f"{prefix}{top} is not part of a transfer (objects/, metadata/, logs/)",
            f"{prefix}{top}",
        )
    _check_csv(src, prefix, objects, add)
    if not prefix:
        _check_checksums(src, prefix, objects, add)
    if tei:
        from archive.deposit.validate import check_records

        records = [n for n in objects if n.endswith(".xml") and "/tei/" in f"/{n}"]
        check_records(src, records, base, report, level=level, shapes=shapes)


def _adder(src: BagSource, report: Report):  # type: ignore[no-untyped-def]
    def add(
        rule: str, message: str, name: str | None = None, line: int | None = None, **kw: Any
    ) -> None:
        report.add(src.finding(rule, message, name, line, layer=Layer.PACKAGE, **kw))

    return add


def _check_csv(src: BagSource, prefix: str, objects: list[str], add: Any) -> None:
    name = f"{prefix}metadata/metadata.csv"
    if src.resolve(name) is None:
        add(
            "am.csv-missing",
            "metadata/metadata.csv is missing: the records' Dublin Core would "
            "not reach Archivematica",
            name,
            severity=Severity.WARNING,
        )
        return
    try:
        text = src.read(name, 64 << 20).decode("utf-8")
    except UnicodeDecodeError as exc:
        add("am.csv-encoding", f"metadata.csv is not UTF-8: {exc.reason}", name)
        return
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        add("am.csv-header", "metadata.csv is empty", name, 1)
        return
    header = rows[0]
    if not header or header[0] != "filename":
        add("am.csv-header", "the first column of metadata.csv must be 'filename'", name, 1)
    for column in header[1:]:
        m = re.fullmatch(r"(dc|dcterms)\.([A-Za-z]+)", column)
        if not m:
            add(
                "am.csv-column",
                f"column {column!r} is neither dc.ELEMENT nor dcterms.ELEMENT",
                name,
                1,
                severity=Severity.WARNING,
                value=column,
            )
        elif m.group(1) == "dc" and m.group(2) not in DC_ELEMENTS:
            add("am.csv-column", f"{column!r} is not a Dublin Core element", name, 1, value=column)
    if "dc.title" not in header:
        add("am.csv-title", "metadata.csv gives no dc.title", name, 1, severity=Severity.WARNING)
    folders = {o.rsplit("/", i)[0] for o in objects for i in range(1, o.count("/") + 1)}
    for number, row in enumerate(rows[1:], 2):
        if not row or not any(row):
            continue
        target = row[0].rstrip("/")
        if len(row) != len(header):
            add(
                "am.csv-row",
                f"row has {len(row)} cells; the header has {len(header)}",
                name,
                number,
            )
        if not target.startswith("objects/"):
            add(
                "am.csv-filename",
                f"filename {target!r} does not start with objects/",
                name,
                number,
                value=target,
            )
        elif f"{prefix}{target}" not in objects and f"{prefix}{target}" not in folders:
            add(
                "am.csv-filename",
                f"metadata.csv describes {target}, which is not in the transfer",
                name,
                number,
                value=target,
            )


def _check_checksums(src: BagSource, prefix: str, objects: list[str], add: Any) -> None:
    found = False
    for member in sorted(src.members):
        if not member.startswith(f"{prefix}metadata/checksum"):
            continue
        leaf = member.rsplit("/", 1)[-1]
        alg = CHECKSUM_FILES.get(leaf)
        if alg is None:
            add(
                "am.checksum-name",
                f"{leaf}: Archivematica reads checksum.md5, checksum.sha1, "
                "checksum.sha256 and checksum.sha512 only",
                member,
            )
            continue
        found = True
        listed: set[str] = set()
        text = src.read(member, 256 << 20).decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), 1):
            m = re.match(r"^([0-9a-fA-F]+) [ *](.+)$", line)
            if not m:
                add("am.checksum-line", f"not a '{alg}sum' line: {line[:80]!r}", member, number)
                continue
            rel = m.group(2)
            target = (
                f"{prefix}metadata/{rel}" if not rel.startswith("../") else f"{prefix}{rel[3:]}"
            )
            if target not in objects:
                add(
                    "am.checksum-missing",
                    f"{member} lists {rel}, which is not in objects/",
                    member,
                    number,
                    value=rel,
                )
                continue
            listed.add(target)
            actual = src.digests(target, [alg])[alg]
            if actual != m.group(1).lower():
                add(
                    "am.checksum-mismatch",
                    f"{alg} of {target}: {leaf} expects {m.group(1)}, the file has {actual}",
                    target,
                    value=actual,
                )
        for name in objects:
            if name not in listed:
                add("am.checksum-unlisted", f"{name} is not listed in {leaf}", name)
    if not found:
        add(
            "am.checksum-none",
            "the transfer gives no checksums (metadata/checksum.sha256): "
            "Archivematica cannot verify that the files arrived intact",
            f"{prefix}metadata",
            severity=Severity.WARNING,
        )
