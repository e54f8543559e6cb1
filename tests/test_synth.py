"""The synthetic corpus generator: deterministic, prefix-stable, valid TEI, marked synthetic."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from archive.cli import cli
from archive.errors import UsageError
from archive.rdf.extract import extract_file
from archive.synth import generate as synth
from archive.synth.generate import (
    MANIFEST,
    generate_corpus,
    generate_letter,
    iter_corpus,
    letter_day,
    letter_meta,
    slug_for,
)
from archive.tei import schema
from archive.tei.integrity import check_integrity
from archive.tei.parse import TEI_NS, XML_ID, XML_LANG, parse_bytes
from archive.tei.pointers import POINTER_ATTRIBUTES

T = f"{{{TEI_NS}}}"
SEED = 7
SAMPLE = range(0, 300)  # letters checked structurally
SCHEMA_SAMPLE = range(0, 300, 6)  # 50 letters checked against both schemas


@pytest.fixture(scope="module")
def letters() -> dict[int, bytes]:
    return {i: generate_letter(i, SEED) for i in SAMPLE}


@pytest.fixture(scope="module")
def trees(letters: dict[int, bytes]) -> dict[int, etree._Element]:
    return {i: parse_bytes(data).root for i, data in letters.items()}


def by_id(root: etree._Element, xml_id: str) -> etree._Element:
    [el] = root.xpath("//*[@xml:id=$v]", v=xml_id)
    return el


def invoke(*args: str):
    return CliRunner().invoke(cli, ["generate", *args])


# -- determinism and the prefix property ---------------------------------------------------


def test_same_index_and_seed_give_the_same_bytes(letters: dict[int, bytes]) -> None:
    synth.letter_meta.cache_clear()  # recomputed from scratch, not from the cache
    assert all(generate_letter(i, SEED) == letters[i] for i in range(0, 300, 10))
    assert generate_letter(3, SEED + 1) != letters[3]


def test_output_does_not_depend_on_the_process(letters: dict[int, bytes]) -> None:
    """Another interpreter, another hash seed: the same bytes (no set or dict-order leaks)."""
    code = (
        "import hashlib, sys; from archive.synth import generate_letter; "
        f"sys.stdout.write(hashlib.sha256(b''.join(generate_letter(i, {SEED}) "
        "for i in range(40))).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    ).stdout
    assert out == hashlib.sha256(b"".join(letters[i] for i in range(40))).hexdigest()


def test_a_small_corpus_is_a_prefix_of_a_larger_one(tmp_path: Path) -> None:
    small = generate_corpus(25, SEED, tmp_path / "small")
    large = generate_corpus(60, SEED, tmp_path / "large")
    assert [p.name for p in small] == [p.name for p in large[:25]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(small, large, strict=False))
    # Extending the small corpus gives exactly the large one.
    more = generate_corpus(60, SEED, tmp_path / "small", start=25)
    assert [p.name for p in more] == [p.name for p in large[25:]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(more, large[25:], strict=True))


def test_corpus_streams_and_names_files_by_slug(tmp_path: Path) -> None:
    it = iter_corpus(5, SEED, tmp_path / "c")
    first = next(it)
    assert first.name == f"{slug_for(0, SEED)}.xml" == "synthetic-s7-000000.xml"
    assert [p.name for p in (tmp_path / "c").iterdir() if p.suffix == ".xml"] == [first.name]
    assert len([first, *it]) == 5
    names = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert MANIFEST in names and not any(n.endswith(".tmp") for n in names)


@pytest.mark.parametrize(
    "call",
    [
        lambda: generate_letter(-1, 1),
        lambda: generate_letter(0, -1),
        lambda: generate_letter(synth.MAX_DOCUMENTS, 1),
        lambda: generate_corpus(5, 1, Path("unused"), start=6),
        lambda: generate_corpus(-5, 1, Path("unused")),
    ],
)
def test_bad_arguments_raise_usage_error(call) -> None:
    with pytest.raises(UsageError):
        call()


# -- validity ----------------------------------------------------------------------------


def test_sample_is_valid_against_tei_all_and_the_project_schema(letters: dict[int, bytes]) -> None:
    for i in SCHEMA_SAMPLE:
        tree = parse_bytes(letters[i]).tree
        assert schema.check_tei_all(tree, f"letter {i}") == [], i
        assert schema.check_project(tree, f"letter {i}") == [], i


def test_ids_are_unique_and_every_pointer_resolves(trees: dict[int, etree._Element]) -> None:
    for i, root in trees.items():
        ids = [el.get(XML_ID) for el in root.iter() if el.get(XML_ID)]
        assert len(ids) == len(set(ids)), (i, [x for x, n in Counter(ids).items() if n > 1])
        known = set(ids)
        used: set[str] = set()
        for el in root.iter():
            for name in POINTER_ATTRIBUTES:
                for value in (el.get(name) or "").split():
                    if value.startswith("#"):
                        assert value[1:] in known, (i, el.tag, name, value)
                        used.add(value[1:])
                    elif name == "ana":
                        assert value.startswith("cito:"), (i, value)
        # Every stand-off entry is pointed at from somewhere else in the letter.
        standoff = root.find(f"{T}standOff")
        for entry in standoff.iter(f"{T}org", f"{T}person", f"{T}place", f"{T}event", f"{T}bibl"):
            assert entry.get(XML_ID) in used, (i, entry.get(XML_ID))


def test_project_integrity_rules_find_no_errors(letters: dict[int, bytes]) -> None:
    for i in range(0, 300, 15):
        findings = check_integrity(parse_bytes(letters[i]), f"letter {i}")
        assert [f for f in findings if f.severity.value == "error"] == [], i


# -- what the letters say ------------------------------------------------------------------


def test_every_letter_is_marked_synthetic(trees: dict[int, etree._Element]) -> None:
    for i, root in trees.items():
        slug = slug_for(i, SEED)
        assert slug.startswith("synthetic-") and root.get(XML_ID) == slug
        assert root.findtext(f".//{T}publicationStmt/{T}idno[@type='archive']") == slug
        assert root.findtext(f".//{T}titleStmt/{T}title[@type='main']").startswith("[SYNTHETIC] ")
        availability = "".join(root.find(f".//{T}availability").itertext())
        assert "SYNTHETIC DATA" in availability and "not a real letter" in availability
        refs = {(c.get("scheme"), c.get("target")) for c in root.iter(f"{T}catRef")}
        assert ("#record-status", "#synthetic") in refs
        assert by_id(root, "synthetic").tag == f"{T}category"
        assert "synthetic" in [t.text for t in root.iter(f"{T}term")]


def test_letters_follow_the_records_structure(trees: dict[int, etree._Element]) -> None:
    for i, root in trees.items():
        cd = root.find(f".//{T}correspDesc")
        sent = cd.find(f"{T}correspAction[@type='sent']")
        senders = [o.get("ref") for o in sent.findall(f"{T}orgName")]
        signed = [o.get("ref") for o in root.findall(f".//{T}signed//{T}item/{T}orgName")]
        assert senders == signed and len(senders) >= 2
        day = letter_day(SEED, i)
        assert sent.find(f"{T}date").get("when") == date.fromordinal(day).isoformat()
        to = cd.findall(f"{T}correspAction[@subtype='to']/{T}persName")
        assert 1 <= len(to) <= 3
        assert len(cd.findall(f"{T}correspAction[@subtype='cc']/*")) <= 4
        # Addressees hold their office on the day of the letter.
        for p in to:
            person = by_id(root, p.get("ref")[1:])
            assert any(
                a.get("when") == date.fromordinal(day).isoformat()
                for a in person.findall(f"{T}affiliation")
            )
        div = root.find(f".//{T}body/{T}div[@type='letter']")
        assert [c.tag.split("}")[1] for c in div[:3]] == ["pb", "head", "opener"]
        assert div.find(f"{T}closer/{T}signed/{T}list[@type='signatories']/{T}head") is not None
        for org in root.iter(f"{T}org"):
            assert org.get("type") and org.find(f"{T}orgName").get(XML_LANG)


def test_shared_entities_keep_one_slug_and_one_description(
    trees: dict[int, etree._Element],
) -> None:
    seen: dict[str, bytes] = {}
    shared = 0
    for root in trees.values():
        for org in root.iter(f"{T}org"):
            key = org.get(XML_ID)
            desc = etree.tostring(org, with_tail=False)
            if key in seen:
                shared += 1
                assert seen[key] == desc, key
            seen[key] = desc
    assert shared > 500  # organisations do recur across letters
    # Invented entities are recognisable by their slug; real ones keep the record's slugs.
    people = {p.get(XML_ID) for r in trees.values() for p in r.iter(f"{T}person")}
    assert people and all(s.startswith("syn-") for s in people)
    places = {p.get(XML_ID) for r in trees.values() for p in r.iter(f"{T}place")}
    assert {"calais", "paris", "pas-de-calais"} <= places


def test_identifiers_are_only_those_of_the_design_notes(trees: dict[int, etree._Element]) -> None:
    allowed = {
        "http://www.wikidata.org/entity/" + q
        for q in ("Q142", "Q145", "Q90", "Q34640", "Q1693", "Q458", "Q8896", "Q8889")
    } | {"62193", "FR-62"}
    found = {
        i.text for r in trees.values() for i in r.iter(f"{T}idno") if i.get("type") != "archive"
    }
    assert found and found <= allowed


def test_signatory_counts_and_popularity_are_skewed() -> None:
    metas = [letter_meta(i, SEED) for i in range(1000)]
    counts = [len(m.signatories) for m in metas]
    assert min(counts) >= 2 and max(counts) <= 40
    assert sum(2 <= c <= 15 for c in counts) >= 850  # most letters
    assert sum(c > 15 for c in counts) >= 10  # and a long tail
    orgs = Counter(s for m in metas for s in m.signatories)
    top = orgs.most_common(1)[0][1]
    assert top >= 40 and sum(1 for n in orgs.values() if n == 1) > 100  # head and long tail
    pairs = Counter(p for m in metas for p in itertools.combinations(sorted(m.signatories), 2))
    assert pairs.most_common(1)[0][1] > 10


def test_dates_spread_over_fifteen_years() -> None:
    years = Counter(date.fromordinal(letter_day(SEED, i)).year for i in range(600))
    assert set(years) <= set(range(2010, 2025)) and len(years) >= 14


def test_citations_point_only_at_earlier_letters(trees: dict[int, etree._Element]) -> None:
    cited_by: dict[str, set[str]] = {}
    for i, root in trees.items():
        day = date.fromordinal(letter_day(SEED, i)).isoformat()
        for bibl in root.iter(f"{T}bibl"):
            slug = bibl.findtext(f"{T}idno[@type='archive']")
            if slug is None:
                continue
            j = int(slug.rsplit("-", 1)[1])
            assert slug == slug_for(j, SEED) == bibl.get(XML_ID) and j < i
            assert bibl.find(f"{T}date").get("when") < day
            # The bibl describes the cited letter as that letter describes itself.
            cited = trees[j] if j in trees else parse_bytes(generate_letter(j, SEED)).root
            assert bibl.findtext(f"{T}title") == cited.findtext(
                f".//{T}titleStmt/{T}title[@type='main']"
            )
            first_signatory = cited.find(f".//{T}correspAction[@type='sent']/{T}orgName")
            assert bibl.find(f"{T}author/{T}orgName").get("ref") == first_signatory.get("ref")
            # And a footnote at its anchor points at it.
            notes = [t for t in root.iter(f"{T}title") if t.get("ref") == f"#{slug}"]
            assert notes and notes[0].xpath("ancestor::*[local-name()='note'][@place='foot']")
            cited_by.setdefault(slug, set()).add(slug_for(i, SEED))
    # Chains exist: some letter cites a letter that itself cites another.
    assert any(citer in cited_by for citers in cited_by.values() for citer in citers)
    # Press releases outside the corpus are cited too.
    assert any(b.get("type") == "press-release" for r in trees.values() for b in r.iter(f"{T}bibl"))


def test_extraction_points_citations_at_the_cited_document(tmp_path: Path) -> None:
    i = next(
        i
        for i in range(1, 100)
        if b'<idno type="archive">synthetic-' in generate_letter(i, SEED).split(b"<listBibl>")[-1]
    )
    paths = generate_corpus(i + 1, SEED, tmp_path)
    [doc] = extract_file(paths[i]).documents
    cites = {str(o) for _s, p, o in doc.triples if str(p) == "http://purl.org/spar/cito/cites"}
    root = parse_bytes(paths[i].read_bytes()).root
    targets = {
        b.findtext(f"{T}idno") for b in root.iter(f"{T}bibl") if b.find(f"{T}idno") is not None
    }
    assert targets and {t.rsplit("/", 1)[1] for t in cites} >= targets
    assert all("/id/document/" in c for c in cites if c.rsplit("/", 1)[1] in targets)


# -- the command -------------------------------------------------------------------------


def test_cli_writes_the_corpus_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    result = invoke("12", "--seed", str(SEED), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    assert "wrote 12 synthetic letters" in result.output
    files = sorted(out.glob("*.xml"))
    assert len(files) == 12 and files[0].read_bytes() == generate_letter(0, SEED)
    manifest = synth.read_manifest(out)
    assert manifest and manifest["synthetic"] is True and manifest["seed"] == SEED
    assert manifest["documents"] == 12


def test_cli_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "c"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = invoke("3", "--out", str(out))
    assert result.exit_code == 2 and "not empty" in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    result = invoke("3", "--out", str(out), "--force", "-q")
    assert result.exit_code == 0, result.output
    assert (out / "keep.txt").read_text() == "mine" and len(list(out.glob("*.xml"))) == 3


def test_cli_extends_a_corpus_of_the_same_seed_only(tmp_path: Path) -> None:
    out = tmp_path / "c"
    assert invoke("4", "--seed", "1", "--out", str(out), "-q").exit_code == 0
    result = invoke("6", "--seed", "1", "--out", str(out), "--start", "4", "-q")
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.xml"))) == 6 and synth.read_manifest(out)["documents"] == 6
    result = invoke("8", "--seed", "2", "--out", str(out), "--start", "6")
    assert result.exit_code == 2 and "seed 1" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["5", "--start", "6"], "--start"),
        (["5", "--seed", "-1"], "--seed"),
        (["2000000"], "N must be"),
        (["x"], "not a valid integer"),
    ],
)
def test_cli_bad_usage_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(*args, "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o").exists()


def test_cli_output_path_that_is_a_file_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    for out in (target, target / "below"):
        result = invoke("2", "--out", str(out))
        assert result.exit_code == 2 and "not a folder" in result.output
    assert target.read_text() == "x"
