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

from archive.deposit.letter import Document
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
    description: str | None = None


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


@dataclass
class CrateInput:
    name: str
    description: str
    date_published: str
    licences: dict[str, str]  # licence URL -> what the records say of it
    organisations: list[str]
    software_name: str
    software_version: str
    software_url: str
    package_id: str
    files: list[CrateFile]
    documents: list[Document] = field(default_factory=list)
    actions: list[CrateAction] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    contact_email: str | None = None


def _one(values: list[Any]) -> Any:
    """RO-Crate 1.2 writes a single value rather than a list of one."""
    return values[0] if len(values) == 1 else values


def _refs(ids: list[str]) -> Any:
    return _one([{"@id": i} for i in ids])


STATUS = "http://schema.org/CompletedActionStatus"
PACKAGE_ID = "#package-identifier"


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
        "hasPart": _refs([f.path for f in inp.files]),
    }
    if inp.licences:
        root["license"] = _refs(list(inp.licences))
    if inp.package_id:
        root["identifier"] = {"@id": PACKAGE_ID}
    if org_ids:
        root["publisher"] = _refs(org_ids)
    if inp.documents:
        root["about"] = _refs([d.uri for d in inp.documents])
    if inp.keywords:
        root["keywords"] = _one(inp.keywords)
    if inp.actions:
        root["mentions"] = _refs([a.ident for a in inp.actions])
    graph: list[dict[str, Any]] = [
        {
            "@id": METADATA,
            "@type": "CreativeWork",
            "conformsTo": {"@id": CRATE_SPEC},
            "about": {"@id": "./"},
        },
        root,
    ]
    if inp.package_id:
        graph.append(
            {
                "@id": PACKAGE_ID,
                "@type": "PropertyValue",
                "name": "Package identifier",
                "propertyID": "https://www.loc.gov/standards/mets/#OBJID",
                "value": inp.package_id,
                "description": "The package's identity, from its records: the METS OBJID and the "
                "name of the bag's base directory",
            }
        )
    for f in inp.files:
        entity: dict[str, Any] = {
            "@id": f.path,
            "@type": "File",
            "name": f.name,
            "encodingFormat": f.mime,
            "contentSize": str(f.size),
        }
        if f.description:
            entity["description"] = f.description
        if f.about:
            entity["about"] = {"@id": f.about}
        graph.append(entity)
    parties: dict[str, dict[str, Any]] = {}
    for doc in inp.documents:
        entity = {"@id": doc.uri, "@type": doc.type}
        if doc.title:
            entity["name"] = doc.title
        if doc.date:
            entity["dateCreated"] = doc.date
        if doc.languages:
            entity["inLanguage"] = _one(doc.languages)
        if doc.licences:
            entity["license"] = _refs(doc.licences)
        for prop, people in (
            ("sender", doc.senders),
            ("toRecipient", doc.to),
            ("ccRecipient", doc.cc),
            ("recipient", doc.cc_groups),  # a group has no room in ccRecipient's range
        ):
            if people:
                entity[prop] = _refs([p.uri for p in people])
        graph.append(entity)
        for party in doc.parties:
            parties.setdefault(
                party.uri, {"@id": party.uri, "@type": party.type, "name": party.name}
            )
    graph.extend(parties[k] for k in parties)
    for url, text in inp.licences.items():
        graph.append({"@id": url, "@type": "CreativeWork", "name": url, "description": text})
    for ident, org in zip(org_ids, inp.organisations, strict=True):
        entity = {"@id": ident, "@type": "Organization", "name": org}
        if inp.contact_email and ident == org_ids[0]:
            entity["contactPoint"] = {"@id": f"mailto:{inp.contact_email}"}
        graph.append(entity)
    if inp.contact_email:
        graph.append(
            {
                "@id": f"mailto:{inp.contact_email}",
                "@type": "ContactPoint",
                "name": f"Contact of {inp.organisations[0]}" if inp.organisations else "Contact",
                "contactType": "depositor",
                "email": inp.contact_email,
            }
        )
    graph.append(
        {
            "@id": software,
            "@type": "SoftwareApplication",
            "name": inp.software_name,
            "version": inp.software_version,
            "url": {"@id": inp.software_url},
        }
    )
    graph.append(
        {
            "@id": inp.software_url,
            "@type": "WebSite",
            "name": f"The archive of advocacy documents at {inp.software_url}",
            "description": "The base URI of the archive's identifiers, under which the deployment "
            "that made this crate publishes its records",
        }
    )
    if inp.actions:
        graph.append({"@id": STATUS, "@type": "ActionStatusType", "name": "Completed"})
    for act in inp.actions:
        entity = {
            "@id": act.ident,
            "@type": act.type,
            "name": act.name,
            "endTime": act.when,
            "instrument": {"@id": software},
            "object": _refs(list(act.objects)),
            "result": _refs(list(act.results)),
            "actionStatus": {"@id": STATUS},
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
