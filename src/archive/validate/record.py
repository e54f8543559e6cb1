"""Validation of submissions: every layer, in order, every finding.

Layers: input safety and well-formedness -> the project's TEI customisation -> full TEI P5
(tei_all) -> referential and date rules -> extraction -> SHACL on each extracted graph.
A layer that cannot run because an earlier one failed fatally (not XML, not TEI) is skipped,
and the report says so; every other layer always runs, so a submitter sees all problems at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import NotWellFormed, UnsafeInput
from archive.findings import Finding, Layer, Report, Severity
from archive.rdf.docgraph import DocumentGraph
from archive.rdf.extract import extract_parsed
from archive.shacl.report import file_prefix
from archive.shacl.run import compile_shapes
from archive.shacl.shapesfile import Shapes
from archive.tei import schema
from archive.tei.integrity import check_integrity
from archive.tei.levels import Level, check_level_schemas, level_from, settle
from archive.tei.parse import ParsedXML, parse_bytes, read_limited
from archive.tei.xinclude import expand_includes
from archive.validate.fold import fold


@dataclass
class FileResult:
    """Everything validation learnt about one file."""

    path: Path
    label: str
    report: Report
    documents: list[DocumentGraph] = field(default_factory=list)
    sha256: str | None = None
    parsed: ParsedXML | None = None

    @property
    def valid(self) -> bool:
        return self.report.valid


def validate_file(
    path: Path,
    base: str | None = None,
    *,
    label: str | None = None,
    shacl: bool = True,
    tei_all: str = "always",
    data: bytes | None = None,
    w3c_report: bool = False,
    level: Level | str | None = None,
    shapes: Shapes | None = None,
) -> FileResult:
    """Validate one TEI file through every layer. ``OSError`` propagates (unreadable path).

    ``level`` is the conformance level (:mod:`archive.tei.levels`; default ``$ARCHIVE_LEVEL``,
    else ``project``): which schema decides, and whether the archive's practice gives errors
    or warnings.

    ``w3c_report`` keeps the W3C SHACL validation report (Turtle) in
    ``report.shacl_reports``; building it costs more than validating, so only when asked.
    ``tei_all``: ``"always"`` checks conformance to full TEI P5 on every file (what
    ``archive validate`` does); ``"auto"`` only when the project's customisation rejects the
    file, since a document the customisation accepts is valid TEI by construction (what bulk
    loading does); ``"never"`` skips it.
    ``shapes``: the shapes to validate the graphs with (:func:`archive.shacl.load_shapes_files`:
    the project's, a repository's own, or both); default the project's.

    Echoes of one mistake in several layers are folded into its most precise finding
    (:mod:`archive.validate.fold`).
    """
    label = label or str(path)
    level = level_from(level)
    report = Report(files=[label], level=level.value)
    result = FileResult(path=path, label=label, report=report)

    def add(rule: str, severity: Severity, message: str, layer: Layer, **kw) -> None:
        report.add(Finding(rule, severity, message, layer, file=label, **kw))

    try:
        data = read_limited(path) if data is None else data
        result.sha256 = hashlib.sha256(data).hexdigest()
        parsed = parse_bytes(data, path=path)
    except UnsafeInput as exc:
        add(exc.rule, Severity.ERROR, str(exc), Layer.INPUT, line=exc.line)
        return result
    except NotWellFormed as exc:
        add(
            "xml.not-well-formed",
            Severity.ERROR,
            str(exc),
            Layer.XML,
            line=exc.line,
            column=exc.column,
        )
        return result
    result.parsed = parsed
    report.extend(expand_includes(parsed, label))

    schema_findings = check_level_schemas(parsed.tree, label, level, tei_all=tei_all)
    report.extend(schema_findings)
    if any(f.rule == schema.RULE_ROOT for f in schema_findings):
        add(
            "validate.skipped",
            Severity.INFO,
            "schema, reference, extraction and SHACL checks skipped: the file is not a TEI "
            "document",
            Layer.SCHEMA,
        )
        return result

    report.extend(check_integrity(parsed, label))

    extraction = extract_parsed(parsed, label, base)
    report.extend(_dedupe_extraction(extraction.findings, report.findings))
    result.documents = extraction.documents
    if shacl:
        run_shacl(result, w3c_report, shapes)
    # the level's severities first: folding never hides an error under a warning
    report.findings = fold(settle(report.findings, level))
    return result


def validate_readable(path: Path, base: str | None = None, **options: object) -> FileResult:
    """:func:`validate_file`, with an unreadable path as a finding about it (not an error)."""
    try:
        return validate_file(path, base, **options)  # type: ignore[arg-type]
    except OSError as exc:
        level = level_from(options.get("level"))  # type: ignore[arg-type]
        result = FileResult(path, str(path), Report(files=[str(path)], level=level.value))
        result.report.add(
            Finding(
                "input.unreadable",
                Severity.ERROR,
                f"cannot read the file: {exc.strerror or exc}",
                Layer.INPUT,
                file=str(path),
            )
        )
        return result


def run_shacl(result: FileResult, w3c_report: bool = False, shapes: Shapes | None = None) -> None:
    """SHACL on each document graph of a file, on its own, with the compiled shapes."""
    program = compile_shapes(shapes)
    pairs = []
    for doc in result.documents:
        outcome = program.validate(doc, file=result.label)
        result.report.extend(outcome.findings)
        pairs.append((doc, outcome.results))
    if w3c_report and pairs:
        result.report.shacl_reports[result.label] = program.write_report(
            pairs, file_prefix(result.label)
        )
    note = program.delegation_note
    if note and result.documents:
        result.report.add(
            Finding("shacl.delegated", Severity.INFO, note, Layer.SHACL, file=result.label)
        )


def _dedupe_extraction(found: list[Finding], earlier: list[Finding]) -> list[Finding]:
    """A dangling pointer is reported once (by the reference rules), not again by extraction."""
    seen = {(f.line, f.value) for f in earlier if f.layer is Layer.REFS}
    return [
        f for f in found if not (f.rule == "extract.dangling-ref" and (f.line, f.value) in seen)
    ]
