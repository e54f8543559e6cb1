"""sh:pattern as XPath ``fn:matches``, and the translation written without elementpath for the
simple patterns most shapes use (it must match exactly what elementpath's translation matches)."""

from __future__ import annotations

import re

import pytest
from elementpath.regex import translate_pattern
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import SH

from archive.errors import ShapesError
from archive.resources import data_dir
from archive.shacl.xpathregex import compile_pattern, matches, translate_simple


def test_xpath_semantics_where_python_differs() -> None:
    assert matches("abc", "c$") and not matches("abc\n", "c$")  # Python's $ matches before \n
    assert not matches("a\rb", "a.b")  # . matches no carriage return in XPath
    assert matches("a\nb", "a.b", "s")
    assert matches("A.B", "a.b", "qi") and not matches("AxB", "a.b", "q")
    assert matches("ab", "a b", "x") and matches("a b", "a[ ]b", "x")
    assert matches("x\nb", "^b", "m") and not matches("x\nb", "^b")
    assert matches("Ab", r"\p{Lu}b")  # a Unicode category, unknown to Python's re
    with pytest.raises(ShapesError, match="XPath knows only"):
        compile_pattern("a", "g")
    with pytest.raises(ShapesError, match="not a valid XPath regular expression"):
        compile_pattern("a(")


def test_the_project_patterns_need_no_elementpath() -> None:
    g = Graph().parse(data_dir("shapes") / "archive.ttl")
    patterns = [str(p) for p in g.objects(None, SH.pattern)]
    assert patterns and all(translate_simple(p) is not None for p in patterns)


@pytest.mark.parametrize(
    "pattern", ["a.b", r"\d", "[a-Z]", "(a|)", "a{3,2}", "x**", "a*?", "^a|^b", "(a$)", r"[\w]"]
)
def test_other_patterns_go_to_elementpath(pattern: str) -> None:
    assert translate_simple(pattern) is None


# random patterns of the simple kind, and random texts, matched both ways
_ATOM = st.one_of(
    st.sampled_from(list("abAB09 -_:/")),
    st.sampled_from(["[a-z]", "[A-Z0-9]", "[^a-f]", "[ab]", "[0-9a-fA-F]", "[^0-9]"]),
)


def _piece(atom: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    quantifier = st.sampled_from(["", "", "*", "+", "?", "{2}", "{1,}", "{0,2}"])
    return st.tuples(atom, quantifier).map("".join)


def _branch(atom: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(_piece(atom), min_size=1, max_size=4).map("".join)


_GROUP = st.lists(_branch(_ATOM), min_size=1, max_size=2).map(lambda bs: "(" + "|".join(bs) + ")")
PATTERNS = st.tuples(
    st.sampled_from(["", "^"]),
    st.lists(_branch(st.one_of(_ATOM, _GROUP)), min_size=1, max_size=2).map("|".join),
    st.sampled_from(["", "$"]),
).map("".join)
TEXTS = st.text(alphabet="abAB09 -_:/xyz\n\r\u00e9\u017f\u212a", max_size=12)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pattern=PATTERNS, flags=st.sampled_from(["", "i"]), texts=st.lists(TEXTS, max_size=8))
def test_the_simple_translation_matches_as_elementpath(pattern, flags, texts) -> None:
    simple = translate_simple(pattern)
    assert simple is not None, pattern
    py_flags = re.IGNORECASE if flags else 0
    ours = re.compile(simple, py_flags)
    reference = re.compile(translate_pattern(pattern, py_flags, "1.1"), py_flags)
    for text in [*texts, "", "ab\n", "AB"]:
        assert bool(ours.search(text)) == bool(reference.search(text)), (pattern, flags, text)
