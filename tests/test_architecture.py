"""The package's shape: no import cycles, and every stage imports only the stages below it.

The import graph is read from the source (every ``import`` statement, including those inside
functions, since a lazy import is still a dependency), so the rules hold whatever is imported
first at run time. docs/internals.md draws the same layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "archive"

# Bottom to top. A module may import its own package and anything in a lower layer; packages in
# the same layer do not import each other. A new package must be placed here on purpose.
LAYERS: list[set[str]] = [
    {
        "archive",
        "archive.errors",
        "archive.findings",
        "archive.resources",
        "archive.fsutil",
        "archive.procutil",
    },
    {"archive.tei"},
    {"archive.rdf"},
    {"archive.shacl"},
    {"archive.validate"},
    {"archive.store", "archive.deposit", "archive.synth"},
    {"archive.interchange", "archive.records"},
    {"archive.submissions"},
    {"archive.oai"},  # OAI-PMH over the store; mounted at /oai by archive.web
    {"archive.web"},
    {"archive.cli"},
    {"archive.__main__"},
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The archive modules ``name`` imports (``from pkg import mod`` counts as ``pkg.mod``)."""
    path = MODULES[name]
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def stage_of(name: str) -> str:
    """The layer entry a module belongs to: its package under ``archive``, or itself."""
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else name


def layer_of(name: str) -> int:
    stage = stage_of(name)
    for i, layer in enumerate(LAYERS):
        if stage in layer:
            return i
    raise AssertionError(f"{name}: its stage {stage} is in no layer of LAYERS; place it")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_is_read() -> None:
    assert len(MODULES) > 40
    assert "archive.tei.parse" in GRAPH["archive.validate.record"]
    assert "archive.store.embedded" in GRAPH["archive.store.factory"]


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_cycle_detection_would_see_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_stage_imports_only_what_is_below_it(name: str) -> None:
    mine = layer_of(name)
    wrong = sorted(
        target
        for target in GRAPH[name]
        if stage_of(target) != stage_of(name)
        and (layer_of(target) > mine or (layer_of(target) == mine and mine > 0))
    )
    assert wrong == [], f"{name} (layer {mine}) imports from its own layer or above: {wrong}"


def test_only_the_command_line_imports_the_command_line() -> None:
    offenders = sorted(
        name
        for name, targets in GRAPH.items()
        if stage_of(name) not in {"archive.cli", "archive.__main__"}
        and any(stage_of(t) == "archive.cli" for t in targets)
    )
    assert offenders == []


def test_lower_layers_do_not_use_click() -> None:
    """The command line's library stays in the command line: stages raise, they do not exit."""
    users = sorted(
        name
        for name, path in MODULES.items()
        if stage_of(name) != "archive.cli"
        and any(
            isinstance(node, (ast.Import, ast.ImportFrom))
            and any(
                (getattr(node, "module", None) or a.name).split(".")[0] == "click"
                for a in node.names
            )
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    )
    assert users == []
