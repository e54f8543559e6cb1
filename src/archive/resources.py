"""Where the project's data files are: shapes, ontology, saved queries, the TEI customisation.

In a source checkout (and an editable install) they are the top-level folders of the repository,
as the design notes lay them out. A wheel carries copies under ``archive/_data`` (see setup.py),
so an installed ``archive`` finds them without the repository.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
REPOSITORY = Path(__file__).resolve().parents[2]
KINDS = ("shapes", "ontology", "queries", "tei", "deposit")


def data_dir(kind: str) -> Path:
    """The folder of one kind of project data: shapes, ontology, queries, tei or deposit."""
    if kind not in KINDS:
        raise ValueError(f"unknown data folder {kind!r}")
    packaged = PACKAGE_DATA / kind
    return packaged if packaged.is_dir() else REPOSITORY / kind
