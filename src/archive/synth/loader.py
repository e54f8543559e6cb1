"""Read the synthetic generator's data files (``archive/synth/data/*.json``).

The data (names, places, offices, texts) is kept apart from the code that draws from it, and
read with ``importlib.resources`` so that it is found in a source tree, an installed wheel or a
zip alike. See ``data/README.md`` for what each file holds.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

PACKAGE = "archive.synth"
FOLDER = "data"


def load(name: str) -> dict[str, Any]:
    """The JSON object in ``data/<name>.json`` (UTF-8)."""
    path = resources.files(PACKAGE).joinpath(FOLDER).joinpath(f"{name}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"synthetic data file {name}.json must hold a JSON object")
    return data


def string(value: object, what: str = "value") -> str:
    """A JSON string, checked: a template must not silently become the repr of a list."""
    if not isinstance(value, str):
        raise ValueError(f"synthetic data: {what} must be a string")
    return value


def strings(value: object, what: str = "value") -> tuple[str, ...]:
    """A JSON list of strings as a tuple: the pools are immutable and keep the file's order."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"synthetic data: {what} must be a list of strings")
    return tuple(value)


def pairs(value: object, what: str = "value") -> tuple[tuple[str, str], ...]:
    """A JSON list of ``[a, b]`` string pairs as a tuple of tuples (identifiers, replacements)."""
    if not isinstance(value, list) or not all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(s, str) for s in v) for v in value
    ):
        raise ValueError(f"synthetic data: {what} must be a list of [string, string] pairs")
    return tuple((a, b) for a, b in value)
