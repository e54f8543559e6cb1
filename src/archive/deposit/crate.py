"""RO-Crate 1.2 metadata for the package, for repositories that read RO-Crate.

The crate is attached to the bag as its payload (the RO-Crate specification's way of combining
with BagIt): the RO-Crate root is ``data/`` and the metadata file is
``data/ro-crate-metadata.json``. Named ``crate`` so that it never shadows the ``rocrate`` library,
which the tests use to read what this module writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from archive.findings import Finding, Layer, Severity, collector

CRATE_VERSION = "1.2"
CRATE_SPEC = f"https://w3id.org/ro/crate/{CRATE_VERSION}"
CRATE_CONTEXT = f"{CRATE_SPEC}/context"
METADATA = "ro-crate-metadata.json"


@dataclass(frozen=True)
class CrateFile:
    path: str  # relative to data/
    size: int
    mime: str
    name: str
    about: str | None = None  # the document URI a TEI or RDF file is about


@dataclass(frozen=True)
class CrateAction:
    ident: str  # "#extraction-..." local identifier
    type: str  # CreateAction, AssessAction
    name: str
    when: str
    objects: tuple[str, ...]
    results: tuple[str, ...]
    status: str = "CompletedActionStatus"
    description: str | None = None


@dataclass(frozen=True)
class CrateDocument:
    uri: str
    name: str | None
    date: str | None


@dataclass
class CrateInput:
    name: str
    description: str
    date_published: str
    licences: list[str]
    organisations: list[str]
    software_name: str
    software_version: str
    identifiers: list[str]
    files: list[CrateFile]
    documents: list[CrateDocument] = field(default_factory=list)
    actions: list[CrateAction] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def build_crate(inp: CrateInput) -> bytes:
    """``ro-crate-metadata.json`` as bytes; deterministic for the same input."""
    org_ids = [f"#organization-{n}" for n in range(1, len(inp.organisations) + 1)]
    software = "#software-archive"
    root: dict[str, Any] = {
        "@id": "./",
        "@type": "Dataset",
        "name": inp.name,
        "description": inp.description,
        "datePublished": inp.date_published,
        "hasPart": [{"@id": f.path} for f in inp.files],
    }
    if inp.licences:
        root["license"] = (
            [{"@id": u} for u in inp.licences]
            if len(inp.licences) > 1
            else {"@id": inp.licences[0]}
        )
    if inp.identifiers:
        root["identifier"] = inp.identifiers if len(inp.identifiers) > 1 else inp.identifiers[0]
    if org_ids:
        root["publisher"] = [{"@id": i} for i in org_ids]
    if inp.documents:
        root["about"] = [{"@id": d.uri} for d in inp.documents]
    if inp.keywords:
        root["keywords"] = inp.keywords
    graph: list[dict[str, Any]] = [
        {
            "@id": METADATA,
            "@type": "CreativeWork",
            "conformsTo": {"@id": CRATE_SPEC},
            "about": {"@id": "./"},
        },
        root,
    ]
    for f in inp.files:
        entity: dict[str, Any] = {
            "@id": f.path,
            "@type": "File",
            "name": f.name,
            "encodingFormat": f.mime,
            "contentSize": str(f.size),
        }
        if f.about:
            entity["about"] = {"@id": f.about}
        graph.append(entity)
    for doc in inp.documents:
        entity = {"@id": doc.uri, "@type": "CreativeWork"}
        if doc.name:
            entity["name"] = doc.name
        if doc.date:
            entity["dateCreated"] = doc.date
        graph.append(entity)
    for url in inp.licences:
        graph.append({"@id": url, "@type": "CreativeWork", "name": url})
    for ident, org in zip(org_ids, inp.organisations, strict=True):
        graph.append({"@id": ident, "@type": "Organization", "name": org})
    graph.append(
        {
            "@id": software,
            "@type": "SoftwareApplication",
            "name": inp.software_name,
            "version": inp.software_version,
        }
    )
    for act in inp.actions:
        entity = {
            "@id": act.ident,
            "@type": act.type,
            "name": act.name,
            "endTime": act.when,
            "instrument": {"@id": software},
            "object": [{"@id": o} for o in act.objects],
            "result": [{"@id": r} for r in act.results],
            "actionStatus": {"@id": f"http://schema.org/{act.status}"},
        }
        if act.description:
            entity["description"] = act.description
        if org_ids:
            entity["agent"] = {"@id": org_ids[0]}
        graph.append(entity)
    doc = {"@context": CRATE_CONTEXT, "@graph": graph}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def check_crate(
    data: bytes,
    file: str,
    payload: Iterable[str],
    actual_size: Callable[[str], int | None],
) -> list[Finding]:
    """The RO-Crate rules this archive relies on: descriptor, root dataset, files that exist."""
    out: list[Finding] = []
    add = collector(out, Layer.PACKAGE, file)

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        out.append(
            Finding(
                rule="crate.json",
                severity=Severity.ERROR,
                layer=Layer.PACKAGE,
                file=file,
                line=line,
                message=f"not JSON: {exc}",
            )
        )
        return out
    if not isinstance(doc, dict) or not isinstance(doc.get("@graph"), list):
        add("crate.structure", "an RO-Crate metadata file is a JSON-LD object with @graph")
        return out
    context = doc.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if not any(isinstance(c, str) and c.startswith("https://w3id.org/ro/crate/") for c in contexts):
        add("crate.context", "@context does not reference an RO-Crate context")
    entities: dict[str, dict[str, Any]] = {}
    for entity in doc["@graph"]:
        if isinstance(entity, dict) and isinstance(entity.get("@id"), str):
            if entity["@id"] in entities:
                add(
                    "crate.duplicate-id",
                    f"entity {entity['@id']!r} appears twice",
                    value=entity["@id"],
                )
            entities[entity["@id"]] = entity
        else:
            add("crate.structure", "an entity of @graph has no string @id")
    descriptor = entities.get(METADATA)
    if descriptor is None:
        add("crate.descriptor", f"no metadata descriptor entity with @id {METADATA!r}")
        root_id = "./"
    else:
        conforms = _ids(descriptor.get("conformsTo"))
        if not any(c.startswith("https://w3id.org/ro/crate/") for c in conforms):
            add(
                "crate.descriptor",
                "the metadata descriptor does not conform to an RO-Crate version (conformsTo)",
            )
        about = _ids(descriptor.get("about"))
        root_id = about[0] if about else "./"
        if not about:
            add("crate.descriptor", "the metadata descriptor has no 'about' (the root dataset)")
    root = entities.get(root_id)
    if root is None:
        add("crate.root", f"no root data entity {root_id!r}")
        return out
    if "Dataset" not in _types(root):
        add("crate.root", "the root data entity is not a Dataset")
    for prop in ("name", "description", "datePublished"):
        if not root.get(prop):
            add("crate.root", f"the root dataset lacks {prop}")
    if not root.get("license"):
        add(
            "crate.license",
            "the root dataset states no license (no licence was found in the records)",
            severity=Severity.WARNING,
        )
    payload = set(payload)
    described = set()
    for ident, entity in sorted(entities.items()):
        if "File" not in _types(entity) or ident == METADATA:
            continue
        if ident.startswith(("http://", "https://", "#")):
            continue
        described.add(ident)
        size = actual_size(ident) if ident in payload else None
        if size is None:
            add(
                "crate.file-missing",
                f"the crate describes {ident}, which is not in the package",
                value=ident,
            )
            continue
        declared = entity.get("contentSize")
        if declared is not None and str(declared) != str(size):
            add(
                "crate.size-mismatch",
                f"the crate gives {ident} contentSize {declared}; the file has {size} bytes",
                value=str(declared),
            )
    parts = set(_ids(root.get("hasPart")))
    for ident in sorted(described - parts):
        add(
            "crate.not-in-root",
            f"{ident} is not listed in the root dataset's hasPart",
            severity=Severity.WARNING,
            value=ident,
        )
    for path in sorted(payload - described - {METADATA}):
        add(
            "crate.file-not-described",
            f"data/{path} is in the package but the crate does not describe it",
            value=path,
        )
    return out


def _ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v["@id"] for v in values if isinstance(v, dict) and isinstance(v.get("@id"), str)]


def _types(entity: dict[str, Any]) -> list[str]:
    t = entity.get("@type")
    return t if isinstance(t, list) else [t] if isinstance(t, str) else []
