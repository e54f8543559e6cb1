"""Packaging hook: copy the top-level data folders into the wheel as ``archive/_data``.

The design keeps shapes/, ontology/, queries/ and the TEI customisation at the top of the
repository; an installed package needs them too (see archive.resources).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA = {
    "shapes": "*.ttl",
    "ontology": "*",
    "queries": "**/*.rq",
    "tei": ("archive-tei.rng", "cmif/*"),
    "deposit": "**/*",
}


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the repository folders directly
        target = Path(self.build_lib) / "archive" / "_data"
        for folder, patterns in DATA.items():
            globs = (patterns,) if isinstance(patterns, str) else patterns
            for source in sorted(s for p in globs for s in (HERE / folder).glob(p)):
                if source.is_file():
                    dest = target / folder / source.relative_to(HERE / folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildWithData})
