"""Conformance levels: which schema decides whether a submission is valid.

A repository chooses the level of its submissions (``--level`` or ``ARCHIVE_LEVEL``):

* ``project`` (the default, strict): the project's customisation ``tei/archive-tei.rng``
  decides, and every rule of the archive's practice (references, extraction, SHACL shapes)
  keeps its severity. The archive's own records are held to this.
* ``tei``: any valid TEI P5 (``tei_all``). The customisation, the reference rules and the
  shapes still run, but what they find is a *warning* about the archive's practice, not an
  error: a file from another edition loads with what could be extracted, and the report says
  what it lacks. A repository's own shapes (``--shapes``) are its rules, not the archive's
  practice: they keep their severities at every level.
* ``cmif``: the Correspondence SIG's CMIF 1.1 schema and Schematron decide
  (:mod:`archive.tei.cmif`); the archive's practice gives warnings, as at the ``tei`` level.

At every level a file is invalid when it is not safe, not well-formed or not TEI, and when it
states something impossible (an ``xml:id`` used twice, a date that does not exist, a range
that ends before it starts): no practice makes those true.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

from lxml import etree

from archive.errors import UsageError
from archive.findings import Finding, Layer, Severity
from archive.tei import schema

LEVEL_ENV = "ARCHIVE_LEVEL"


class Level(StrEnum):
    PROJECT = "project"
    TEI = "tei"
    CMIF = "cmif"

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DEFAULT_LEVEL = Level.PROJECT
DESCRIPTIONS = {
    Level.PROJECT: "the project's TEI customisation (archive-tei.rng) and the archive's practice",
    Level.TEI: "any valid TEI P5 (tei_all); the archive's practice gives warnings",
    Level.CMIF: "CMIF 1.1 (the Correspondence SIG's schema and Schematron); the archive's "
    "practice gives warnings",
}

# Errors at every level: what no practice can make right.
_ALWAYS_ERRORS = {"refs.duplicate-id", "refs.invalid-id"}


def level_from(value: str | Level | None = None) -> Level:
    """The level named, else ``$ARCHIVE_LEVEL``, else ``project``; an unknown name is a usage
    error (exit 2), never a silent fallback to another level."""
    if isinstance(value, Level):
        return value
    where = "the level"
    if value is None:
        value = os.environ.get(LEVEL_ENV) or None
        where = f"${LEVEL_ENV}"
    if value is None:
        return DEFAULT_LEVEL
    try:
        return Level(value.strip().lower())
    except ValueError:
        names = ", ".join(level.value for level in Level)
        raise UsageError(f"{where} {value!r} is not a conformance level: use {names}") from None


def check_level_schemas(
    tree: etree._ElementTree | etree._Element,
    file: str | Path | None,
    level: Level,
    tei_all: str = "auto",
) -> list[Finding]:
    """The schema layers of one level: root, the project's customisation, the level's own
    schemas, and tei_all (``auto``: only when a schema the document should pass rejects it)."""
    if level is Level.PROJECT:
        return schema.check_schemas(tree, file, tei_all=tei_all)
    root = schema.check_root(tree, file)
    if root:
        return root
    findings = schema.check_project(tree, file)
    rejected = bool(findings)
    if level is Level.CMIF:
        from archive.tei.cmif import check_cmif

        cmif = check_cmif(tree, file)
        findings += cmif
        rejected = any(f.severity is Severity.ERROR for f in cmif)
    # At the tei level, tei_all decides: a file the customisation accepts is valid TEI by
    # construction, so it only needs to run when the customisation rejects the file.
    if tei_all == "always" or (rejected and tei_all in ("auto", "never")):
        findings += schema.check_tei_all(tree, file)
    return findings


def settle(findings: list[Finding], level: Level, keep: Collection[Finding] = ()) -> list[Finding]:
    """The findings with the severities of the level: at ``tei`` and ``cmif``, what only the
    archive's practice requires is a warning. ``keep`` are findings of a repository's own rules
    (its shapes): they are its practice, not the archive's, and keep their severities."""
    if level is Level.PROJECT:
        return findings
    return [
        replace(f, severity=Severity.WARNING) if _practice(f) and f not in keep else f
        for f in findings
    ]


def _practice(f: Finding) -> bool:
    if f.severity is not Severity.ERROR or f.rule in _ALWAYS_ERRORS:
        return False
    if f.rule == schema.RULE_PROJECT:
        return True
    if f.layer is Layer.REFS:
        return f.rule.startswith("refs.")  # dates.* stay errors
    return f.layer in (Layer.EXTRACT, Layer.SHACL)


def how_to_choose() -> str:
    """One line for summaries: the levels and how to pick one."""
    return f"choose with --level {'|'.join(level.value for level in Level)} or ${LEVEL_ENV}"
