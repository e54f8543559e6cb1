"""Who in a new record the archive already knows: exact matches applied, near ones suggested.

The same organisation must be one node across documents. A new record's entry becomes the node
the store already has when the two share an authority IRI, or, without one, the same name for
the same kind of entity (the name compared without regard to case or spacing, as extraction
compares names). Everything less certain (a name that differs only by accents or punctuation,
a close spelling, an abbreviation the store knows, several nodes with the same name) is listed
as a suggestion for a person to decide, and never applied.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from archive.rdf.namespaces import ORG, SCHEMA
from archive.rdf.uris import URIs
from archive.store.base import Store

KIND_CLASSES = {
    "person": SCHEMA.Person,
    "org": SCHEMA.Organization,
    "group": SCHEMA.Audience,
    "place": SCHEMA.Place,
}
NEAR_CUTOFF = 0.85  # difflib ratio from which two names of one kind are worth a look
MAX_SUGGESTIONS = 3


def same_name(name: str) -> str:
    """A name as extraction compares it: case and spacing aside."""
    return " ".join(name.casefold().split())


def near_name(name: str) -> str:
    """A name with accents, punctuation and spacing aside (Réseau / Reseau, L.D.H. / LDH)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "", text.casefold())


@dataclass(frozen=True)
class Known:
    """An entity the store has."""

    node: str
    kind: str
    names: tuple[str, ...] = ()
    alternates: tuple[str, ...] = ()
    authorities: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # org:classification concepts

    @property
    def label(self) -> str:
        return self.names[0] if self.names else self.node

    def slug(self, uris: URIs) -> str | None:
        prefix = uris.thing(self.kind, "")
        return self.node[len(prefix) :] if self.node.startswith(prefix) else None


@dataclass
class Match:
    """What the store says of one entry of the new record."""

    known: Known | None = None
    how: str = ""  # "same authority" or "same name and kind"
    suggestions: list[tuple[Known, str]] = field(default_factory=list)  # (entity, why)


class KnownEntities:
    """The people, organisations, groups and places of a store, indexed for matching."""

    def __init__(self, entities: Iterable[Known], base: str | None = None) -> None:
        self.uris = URIs(base)
        self.entities = list(entities)
        self._authority: dict[str, list[Known]] = defaultdict(list)
        self._name: dict[tuple[str, str], list[Known]] = defaultdict(list)
        self._near: dict[tuple[str, str], list[Known]] = defaultdict(list)
        self._alternate: dict[tuple[str, str], list[Known]] = defaultdict(list)
        self._names_by_kind: dict[str, dict[str, list[Known]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.nodes = {k.node for k in self.entities}
        for k in self.entities:
            for a in k.authorities:
                self._authority[a].append(k)
            for n in k.names:
                self._name[(k.kind, same_name(n))].append(k)
                self._near[(k.kind, near_name(n))].append(k)
                self._names_by_kind[k.kind][same_name(n)].append(k)
            for n in k.alternates:
                self._alternate[(k.kind, same_name(n))].append(k)

    @classmethod
    def from_store(cls, store: Store) -> KnownEntities:
        return cls(read_known(store), store.base)

    def match(self, kind: str, name: str, authorities: tuple[str, ...] = ()) -> Match:
        """Exact matches are applied by the caller; the rest are suggestions."""
        out = Match()
        for a in authorities:
            same = [k for k in self._authority.get(a, []) if k.kind == kind]
            if same:
                out.known, out.how = same[0], "same authority"
                break
            for k in self._authority.get(a, []):
                out.suggestions.append((k, f"the store has {a} for a {k.kind}, not a {kind}"))
        by_name = self._name.get((kind, same_name(name)), [])
        if out.known is None and not authorities:
            if len(by_name) == 1:
                out.known, out.how = by_name[0], "same name and kind"
            elif len(by_name) > 1:
                out.suggestions += [(k, "one of several with this name") for k in by_name]
        elif out.known is None and by_name:
            for k in by_name:  # the row's authority says otherwise: a person must decide
                why = (
                    "same name, another authority " + " ".join(k.authorities)
                    if k.authorities
                    else "same name, no authority in the store"
                )
                out.suggestions.append((k, why))
        taken = {out.known.node} if out.known else set()
        taken |= {k.node for k, _ in out.suggestions}

        def suggest(k: Known, why: str) -> None:
            if k.node not in taken and len(out.suggestions) < MAX_SUGGESTIONS:
                taken.add(k.node)
                out.suggestions.append((k, why))

        for k in self._near.get((kind, near_name(name)), []):
            suggest(k, "the same name but for accents, punctuation or spacing")
        for k in self._alternate.get((kind, same_name(name)), []):
            suggest(k, f"the store knows {name!r} as another name of {k.label!r}")
        names = self._names_by_kind.get(kind, {})
        for close in difflib.get_close_matches(same_name(name), names, n=3, cutoff=NEAR_CUTOFF):
            for k in names[close]:
                suggest(k, "a close spelling")
        return out

    def taken(self, kind: str, slug: str) -> bool:
        """Whether ``{base}/id/{kind}/{slug}`` is already a node (a new entry must not take
        it: that would merge two entities silently)."""
        return self.uris.thing(kind, slug) in self.nodes


def read_known(store: Store) -> list[Known]:
    """Every person, organisation, group and place in the store with its names, other names,
    authority IRIs and categories (one query over the union of the documents' graphs)."""
    prefix = f"{store.base}/id/"
    types = " ".join(f"<{c}>" for c in KIND_CLASSES.values())
    props = {
        str(SCHEMA.name): "names",
        str(SCHEMA.alternateName): "alternates",
        str(SCHEMA.sameAs): "authorities",
        str(ORG.classification): "categories",
    }
    query = f"""SELECT DISTINCT ?s ?t ?p ?o WHERE {{
  VALUES ?t {{ {types} }}
  VALUES ?p {{ {" ".join(f"<{p}>" for p in props)} }}
  ?s a ?t ; ?p ?o .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}"))
}}"""
    kinds = {str(c): k for k, c in KIND_CLASSES.items()}
    found: dict[tuple[str, str], dict[str, set[str]]] = {}
    for s, t, p, o in store.query(query).rows:
        entry = found.setdefault((s.value, kinds[t.value]), defaultdict(set))  # type: ignore[union-attr]
        entry[props[p.value]].add(o.value)  # type: ignore[union-attr]
    return [
        Known(
            node=node,
            kind=kind,
            names=tuple(sorted(v["names"])),
            alternates=tuple(sorted(v["alternates"])),
            authorities=tuple(sorted(v["authorities"])),
            categories=tuple(sorted(v["categories"])),
        )
        for (node, kind), v in sorted(found.items())
    ]
