"""CMIF 1.1: the Correspondence SIG's RELAX NG schema and Schematron, as vendored in tei/cmif/.

The schema says what a CMIF file may contain; the Schematron adds CMIF 1.1's rules (a sent and
a received ``correspAction`` in every ``correspDesc``, ``@source`` pointing at a ``bibl``, dates
with a dating attribute, a UUID recommended for ``bibl/@xml:id``). Both run unchanged, so that a
file the archive accepts at the ``cmif`` level is one correspSearch accepts too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from archive.findings import Finding, Layer, Severity
from archive.resources import data_dir
from archive.tei import schema
from archive.tei.schematron import Schematron, load_schematron

CMIF_VERSION = "1.1.0"
RULE_SCHEMA = "cmif.schema"
RULE_SCHEMATRON = "cmif.schematron"
_ROLES = {
    "fatal": Severity.ERROR,
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "information": Severity.INFO,
}
_CODE = re.compile(r"^\[([A-Z]\d{4})\]\s*")


def cmif_dir() -> Path:
    return data_dir("tei") / "cmif"


@lru_cache(maxsize=1)
def cmif_schematron() -> Schematron:
    return load_schematron(cmif_dir() / "cmif.sch")


def check_cmif(tree: etree._ElementTree | etree._Element, file: str | Path | None) -> list[Finding]:
    """Every error of the CMIF RELAX NG schema, then every Schematron assertion that fires."""
    label = f"CMIF {CMIF_VERSION} (cmi-customization.rng)"
    findings = schema.check_rng(
        "cmif", cmif_dir() / "cmi-customization.rng", tree, file, RULE_SCHEMA, label
    )
    doc = tree if isinstance(tree, etree._ElementTree) else tree.getroottree()
    for failure in cmif_schematron().validate(doc):
        m = _CODE.match(failure.message)
        code = m[1] if m else failure.id
        message = failure.message[m.end() :] if m else failure.message
        findings.append(
            Finding(
                rule=f"{RULE_SCHEMATRON}.{code}" if code else RULE_SCHEMATRON,
                severity=_ROLES.get((failure.role or "error").lower(), Severity.ERROR),
                message=f"CMIF {CMIF_VERSION} Schematron: {message}",
                layer=Layer.SCHEMA,
                file=str(file) if file is not None else None,
                line=failure.line,
            )
        )
    return findings
