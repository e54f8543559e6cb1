"""The command line imports what a command needs, when it runs: ``archive --help`` and
``archive validate`` load neither the store, the deposit packages nor the generator."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from archive.cli import COMMAND_MODULES


def test_the_command_table_names_every_command_where_it_is_defined() -> None:
    """Every module of archive.cli with COMMANDS, every command in it: a command module added
    without its line in COMMAND_MODULES would never be found."""
    import archive.cli

    defined = {}
    for info in pkgutil.iter_modules(archive.cli.__path__):
        module = importlib.import_module(f"archive.cli.{info.name}")
        for c in getattr(module, "COMMANDS", ()):
            defined[c.name] = info.name
    assert defined == COMMAND_MODULES


def _imported_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from archive.cli import main\n"
        f"sys.argv = ['archive', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stderr.split())


HEAVY = {"archive.store", "archive.deposit", "archive.synth", "pyshacl", "elementpath", "rich"}


@pytest.mark.parametrize("argv", [("--help",), ("validate", "--help")])
def test_help_imports_no_stage(argv: tuple[str, ...]) -> None:
    loaded = _imported_after(*argv)
    assert not {m for m in loaded if m.split(".")[0] in {"rdflib", "lxml"}}
    assert not {m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)}


def test_validating_a_record_imports_only_what_it_needs(record_path) -> None:
    loaded = _imported_after("validate", str(record_path))
    assert {"archive.validate", "archive.shacl", "lxml.etree", "rdflib"} <= loaded
    assert not {m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY)}
