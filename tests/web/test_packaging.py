"""The web application's templates and static files are shipped in the wheel."""

from __future__ import annotations

import fnmatch
import tomllib

from ..conftest import ROOT

WEB = ROOT / "src" / "archive" / "web"


def test_every_template_and_static_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["archive"]
    files = [p for d in ("templates", "static") for p in (WEB / d).iterdir() if p.is_file()]
    assert len(files) >= 12
    for path in files:
        rel = path.relative_to(ROOT / "src" / "archive").as_posix()
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel


def test_pages_load_nothing_from_another_site():
    for path in (WEB / "templates").iterdir():
        text = path.read_text(encoding="utf-8")
        for attr in ("src=", "href="):
            for value in text.split(attr)[1:]:
                target = value[1:].split(value[0], 1)[0] if value[:1] in "\"'" else value
                if target.startswith(("http://", "https://", "//")):
                    # only links a reader follows: never a stylesheet, script, image or font
                    assert "stylesheet" not in value[:200] and attr == "href=", (path, target)
    css = (WEB / "static" / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css
