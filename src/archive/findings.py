"""Findings and reports: every validator says all it found, located, with one verdict.

The JSON shape produced by :meth:`Report.to_dict` is a public contract, documented in
``docs/reports.md`` and checked by ``docs/report.schema.json``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from archive import TOOL_NAME, __version__


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


class Layer(StrEnum):
    """The validation layers, in the order they run."""

    INPUT = "input"  # readable at all, size, safety
    XML = "xml"  # well-formedness
    SCHEMA = "schema"  # the project's TEI customisation
    TEI = "tei"  # conformance to full TEI P5 (tei_all)
    REFS = "refs"  # referential integrity and date rules
    EXTRACT = "extract"  # what extraction could not use
    SHACL = "shacl"  # SHACL shapes on the extracted graph
    BAG = "bag"  # BagIt structure and fixity
    PACKAGE = "package"  # profile, METS, PREMIS, RO-Crate


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    layer: Layer
    file: str | None = None
    line: int | None = None
    column: int | None = None
    focus: str | None = None  # RDF focus node (SHACL) or entity URI
    path: str | None = None  # RDF property path (SHACL)
    value: str | None = None  # offending value, when there is one
    # other findings of the same mistake, reported by less precise layers (one mistake, one
    # finding: they are listed under this one, not counted again)
    echoes: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for key in ("rule", "severity", "message", "layer", "file", "line", "column"):
            data[key] = getattr(self, key)
        for key in ("focus", "path", "value"):
            data[key] = getattr(self, key)
        data["severity"] = self.severity.value
        data["layer"] = self.layer.value
        if self.echoes:
            data["echoes"] = [e.to_dict() for e in self.echoes]
        return {k: v for k, v in data.items() if v is not None}

    def with_echoes(self, *more: Finding) -> Finding:
        """This finding with ``more`` (and their own echoes) folded under it."""
        flat: list[Finding] = list(self.echoes)
        for f in more:
            flat.append(replace(f, echoes=()))
            flat.extend(f.echoes)
        return replace(self, echoes=tuple(flat))

    def all(self) -> Iterator[Finding]:
        """This finding and its echoes."""
        yield replace(self, echoes=()) if self.echoes else self
        yield from self.echoes

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule)


def collector(out: list[Finding], layer: Layer, file: str | None) -> Callable[..., None]:
    """``add(rule, message, el=None, severity=ERROR, value=None, *, line=None)`` appending to
    ``out`` the findings of one layer about one file, at the line of element ``el`` if given."""

    def add(
        rule: str,
        message: str,
        el: Any = None,
        severity: Severity = Severity.ERROR,
        value: str | None = None,
        *,
        line: int | None = None,
    ) -> None:
        at = el.sourceline if el is not None else line
        out.append(Finding(rule, severity, message, layer, file=file, line=at, value=value))

    return add


@dataclass
class Report:
    """All findings of one run over one or more inputs, with the verdict."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    shacl_reports: dict[str, str] = field(default_factory=dict)  # file -> W3C report (Turtle)
    level: str | None = None  # the conformance level applied (archive.tei.levels)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def merge(self, other: Report) -> None:
        self.findings.extend(other.findings)
        self.files.extend(f for f in other.files if f not in self.files)
        self.shacl_reports.update(other.shacl_reports)
        self.level = self.level or other.level

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.severity.value for f in self.findings)
        return {s.value: c.get(s.value, 0) for s in Severity}

    @property
    def valid(self) -> bool:
        """Warnings and infos alone never make a submission invalid."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 0 if self.valid else 1

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def sorted(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def file_verdicts(self) -> list[dict[str, object]]:
        """The verdict of each file (findings inside a package count for the package)."""
        out = []
        for name in self.files:
            mine = [
                f for f in self.findings if f.file == name or (f.file or "").startswith(name + "!")
            ]
            counts = Counter(f.severity.value for f in mine)
            valid = not counts.get("error")
            out.append(
                {
                    "file": name,
                    "verdict": "valid" if valid else "invalid",
                    "valid": valid,
                    "counts": {s.value: counts.get(s.value, 0) for s in Severity},
                }
            )
        return out

    def to_dict(self) -> dict[str, object]:
        level = {"level": self.level} if self.level else {}
        return {
            "tool": {"name": TOOL_NAME, "version": __version__},
            **level,
            "verdict": "valid" if self.valid else "invalid",
            "valid": self.valid,
            "counts": self.counts,
            "files": list(self.files),
            "file_verdicts": self.file_verdicts(),
            "findings": [f.to_dict() for f in self.sorted()],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self, show: Severity = Severity.INFO, *, echoes: bool = False) -> str:
        """One line per finding at or above ``show``, then the verdict (which counts all).
        A finding that absorbed echoes of its mistake from other layers says which; with
        ``echoes`` they are listed under it."""
        lines = []
        for f in self.sorted():
            if f.severity.rank > show.rank:
                continue
            line = _line(f)
            if f.echoes and not echoes:
                line += " [also: " + ", ".join(dict.fromkeys(e.rule for e in f.echoes)) + "]"
            lines.append(line)
            if echoes:
                lines.extend("  echo: " + _line(e) for e in f.echoes)
        c = self.counts
        verdict = "VALID" if self.valid else "INVALID"
        if self.level and self.level != "project":  # the default level goes without saying
            verdict += f" at the {self.level} level"
        n = len(self.files)
        lines.append(
            f"{verdict}: {c['error']} error(s), {c['warning']} warning(s), {c['info']} info "
            f"in {n} file{'s' if n != 1 else ''}"
        )
        return "\n".join(lines)


def _line(f: Finding) -> str:
    line = f"{f.location()}: {f.severity.value} [{f.rule}] {f.message}"
    extra = []
    if f.focus:
        extra.append(f"node {f.focus}")
    if f.path:
        extra.append(f"path {f.path}")
    if f.value:
        extra.append(f"value {f.value!r}")
    if extra:
        line += f" ({'; '.join(extra)})"
    return line
