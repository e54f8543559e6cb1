"""Every console example in README.md and docs/*.md is run, and its output compared.

A ```console block holds ``$ command`` lines, each followed by what it prints (stdout and stderr
together, as a terminal shows them). The commands of one Markdown file run in order in one
sandbox folder holding a copy of ``tei/`` (so a later example sees what an earlier one loaded),
with ``$ARCHIVE_STORE`` at ``build/store``. A hidden ``<!-- setup: ... -->`` comment before a
block gives shell lines that prepare its inputs (a broken copy of a record, say); the reader of
the raw Markdown sees how they were made.

What may differ between the documented and the real output, and nothing else:

- a line that is only ``…`` stands for any number of lines; ``…`` inside a line for any text;
- durations (``0.3 s``, ``12 ms``), rates (``1,782 letters/s``), sizes on disk (``12.0 MB``)
  and timestamps;
- absolute paths under /tmp, /work, /home, /root, /srv or /var, or under the checkout itself
  (the sandbox is elsewhere each time).

A block whose commands are illustrations, not examples (they need a server at a fixed address),
is a ```sh block instead: it shows no output and is not run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
TIMEOUT = 300

FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
SETUP = re.compile(r"<!--\s*setup:\s*\n(?P<body>.*?)-->", re.S)


@dataclass
class Command:
    text: str
    expected: list[str]
    line: int  # in the Markdown file


@dataclass
class Block:
    page: Path
    line: int
    commands: list[Command]
    setup: str = ""


@dataclass
class Page:
    path: Path
    blocks: list[Block] = field(default_factory=list)


def _complete(command: str) -> bool:
    """Whether a shell command is whole (quotes closed, no trailing backslash)."""
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return False
    return True


def parse_page(path: Path) -> Page:
    page = Page(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    pending_setup = ""
    while i < len(lines):
        text = "\n".join(lines[i:])
        m_setup = SETUP.match(text) if lines[i].lstrip().startswith("<!--") else None
        if m_setup:
            pending_setup = m_setup["body"]
            i += m_setup.group(0).count("\n") + 1
            continue
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m["indent"]), m["lang"], i
        body: list[str] = []
        i += 1
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        if lang != "console" or not any(b.startswith("$ ") for b in body):
            continue
        block = Block(path, start + 1, [], pending_setup)
        pending_setup = ""
        j = 0
        while j < len(body):
            if not body[j].startswith("$ "):
                raise AssertionError(f"{path.name}:{start + 2 + j}: output before any command")
            command, first = body[j][2:], j
            j += 1
            while not _complete(command) and j < len(body):
                command += "\n" + body[j]
                j += 1
            expected = []
            while j < len(body) and not body[j].startswith("$ "):
                expected.append(body[j])
                j += 1
            block.commands.append(Command(command, expected, start + 2 + first))
        page.blocks.append(block)
    return page


# --- comparison -------------------------------------------------------------------------------

VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<TIME>"),
    (re.compile(r"(?<![\w.:/])/(?:tmp|work|home|root|srv|var)(?:/[^\s'\",;)\]]*)?"), "<PATH>"),
    (re.compile(r"\b\d[\d,]*(?:\.\d+)? (\w+)/s\b"), r"<N> \1/s"),
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:s|ms)\b"), "<T>"),
    (re.compile(r"\b\d+(?:\.\d+)? ?(?:[kKMG]i?B)\b"), "<SIZE>"),
]
ELISION = "…"


def normalise(line: str) -> str:
    line = line.rstrip().replace(str(ROOT), "/work/main")  # wherever the checkout is
    for pattern, replacement in VARYING:
        line = pattern.sub(replacement, line)
    return line


def pattern_of(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line.strip() in (ELISION, "..."):
            parts.append(r"(?:[^\n]*\n)*?")
            continue
        pieces = [re.escape(p) for p in normalise(line).split(ELISION)]
        parts.append("[^\n]*?".join(pieces) + r"\n")
    return re.compile("".join(parts))


def matches(expected: list[str], actual: str) -> bool:
    text = "".join(normalise(line) + "\n" for line in actual.rstrip("\n").split("\n"))
    if not actual.strip():
        text = ""
    return pattern_of(expected).fullmatch(text) is not None


def test_comparison_rules() -> None:
    out = "a\nb 0.42 s into /tmp/x/store\nc\nd\n"
    assert matches(["a", "b 12 s into /work/main/build/store", "…", "d"], out)
    assert matches(["a", "b … into /srv/s", "c", "d"], out)
    assert not matches(["a", "b 0.4 s into /tmp/x/store", "d"], out)  # a line is missing
    assert not matches(["A", "…"], out)
    assert matches([], "")
    assert not matches([], "something\n")


# --- running ----------------------------------------------------------------------------------


def sandbox_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(root / "home"),
        XDG_DATA_HOME=str(root / "home" / ".local" / "share"),
        ARCHIVE_STORE=str(root / "build" / "store"),
        PYTHONUNBUFFERED="1",
        COLUMNS="100",
        TERM="dumb",
        NO_COLOR="1",
        LC_ALL="C.UTF-8",
    )
    env.pop("SOURCE_DATE_EPOCH", None)
    env.pop("CI", None)  # the documented commands behave as on a user's machine
    return env


def run_page(page: Page, root: Path) -> list[str]:
    """Run every example of a page in order; what each printed that the page does not show."""
    shutil.copytree(ROOT / "tei", root / "tei")
    (root / "build").mkdir()
    (root / "home").mkdir()
    env = sandbox_env(root)
    last_rc = 0
    problems = []
    for block in page.blocks:
        if block.setup:
            done = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", block.setup],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            assert done.returncode == 0, f"{page.path.name}:{block.line} setup: {done.stderr}"
        for cmd in block.commands:
            if cmd.text.strip() == "echo $?":
                actual = f"{last_rc}\n"
            else:
                done = subprocess.run(
                    ["bash", "-c", cmd.text],
                    cwd=root,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=TIMEOUT,
                )
                actual, last_rc = done.stdout, done.returncode
            if not matches(cmd.expected, actual):
                problems.append(
                    f"{page.path.relative_to(ROOT)}:{cmd.line}: `$ {cmd.text}` printed something "
                    "else.\n--- documented\n" + "\n".join(cmd.expected) + "\n--- printed\n" + actual
                )
    return problems


PARSED = [parse_page(p) for p in PAGES]


def test_every_page_with_examples_is_found() -> None:
    with_examples = {p.path.name for p in PARSED if p.blocks}
    assert {"README.md", "store.md", "deposit.md"} <= with_examples


@pytest.mark.parametrize(
    "page", [p for p in PARSED if p.blocks], ids=lambda p: p.path.relative_to(ROOT).as_posix()
)
def test_console_examples(page: Page, tmp_path: Path) -> None:
    problems = run_page(page, tmp_path)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
