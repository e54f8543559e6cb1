"""How fast one record is validated, cold, and how fast SHACL runs against pySHACL.

1. ``archive validate one-letter.xml`` in a fresh process (every layer: safe parse, project
   schema, TEI P5, references, extraction, SHACL), against jing on ``tei_all.rng`` for the same
   file, in one run; the ratio is printed. jing is only for this benchmark (Debian package
   ``jing``); the archive never needs it.
2. SHACL on document graphs: pySHACL, the compiled engine's findings, and the compiled engine's
   W3C report (``--format shacl``), on the project's shapes and on a shapes graph exercising
   every SHACL Core feature. Goals: findings at least 50x pySHACL, the W3C report at least 30x.

    .venv/bin/python bench/validate_speed.py [--runs 3] [--docs 200]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

ALL_FEATURES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix b: <https://bench.example/shapes#> .

b:Doc a sh:NodeShape ; sh:targetSubjectsOf schema:encoding ;
  sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:maxCount 3 ; sh:uniqueLang true ;
                sh:minLength 3 ; sh:maxLength 400 ; sh:pattern "^[A-Z]" ; sh:flags "i" ;
                sh:languageIn ( "en" "fr" ) ] ,
    [ sh:path schema:dateCreated ; sh:datatype xsd:date ; sh:minInclusive "1900-01-01"^^xsd:date ;
      sh:maxExclusive "2100-01-01"^^xsd:date ; sh:lessThanOrEquals schema:dateModified ] ,
    [ sh:path schema:sender ; sh:qualifiedValueShape [ sh:class schema:Organization ] ;
      sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] ,
    [ sh:path schema:sender ; sh:qualifiedValueShape [ sh:class schema:Person ] ;
      sh:qualifiedMaxCount 100 ] ,
    [ sh:path ( schema:sender schema:name ) ; sh:minCount 1 ] ,
    [ sh:path [ sh:alternativePath ( schema:toRecipient schema:ccRecipient ) ] ;
      sh:nodeKind sh:BlankNodeOrIRI ; sh:disjoint schema:sender ] ,
    [ sh:path [ sh:inversePath schema:mentions ] ; sh:maxCount 0 ] ,
    [ sh:path [ sh:zeroOrMorePath schema:isPartOf ] ; sh:minCount 1 ] ,
    [ sh:path [ sh:oneOrMorePath schema:citation ] ; sh:nodeKind sh:IRI ] ,
    [ sh:path [ sh:zeroOrOnePath schema:about ] ; sh:minCount 1 ] ,
    [ sh:path schema:inLanguage ; sh:in ( "en" "fr" "de" ) ; sh:equals schema:inLanguage ] ;
  sh:xone ( [ sh:class schema:Message ] [ sh:class schema:Event ] ) ;
  sh:and ( [ sh:nodeKind sh:IRI ] [ sh:not [ sh:class schema:Place ] ] ) ;
  sh:or ( [ sh:hasValue <urn:x> ] [ sh:class schema:CreativeWork ] ) .

b:Org a sh:NodeShape ; sh:targetClass schema:Organization ;
  sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:message "an organisation needs a name"@en ,
                "une organisation a un nom"@fr ; sh:severity sh:Warning ] ,
    [ sh:path schema:location ; sh:node b:Place ] .

b:Place a sh:NodeShape ; sh:closed true ; sh:ignoredProperties ( rdf:type schema:name
  schema:sameAs schema:identifier schema:containedInPlace schema:alternateName schema:address ) ;
  sh:property [ sh:path schema:containedInPlace ; sh:node b:Place ] .

b:Off a sh:NodeShape ; sh:targetClass schema:Person ; sh:deactivated true ; sh:minCount 1 .
b:Tagged a sh:NodeShape ; sh:targetObjectsOf org:classification ; sh:nodeKind sh:IRI ;
  sh:severity sh:Info .
"""


def _cold_validate(file: Path, runs: int) -> float:
    archive = Path(sys.executable).parent / "archive"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(archive), "validate", str(file)], capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _jing(file: Path, runs: int) -> float | None:
    jing = shutil.which("jing")
    if jing is None:
        return None
    from archive.tei.release import tei_all_info

    rng = str(tei_all_info().path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([jing, rng, str(file)], capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _shacl(docs: list, shapes_graph) -> dict[str, float]:
    from pyshacl import validate

    from archive.shacl.run import compile_shapes

    program = compile_shapes(shapes_graph)
    graphs = [d.to_graph() for d in docs]
    started = time.perf_counter()
    for g in graphs:
        validate(g, shacl_graph=program.shapes_graph, inference="none", allow_warnings=False)
    slow = time.perf_counter() - started
    started = time.perf_counter()
    for d in docs:
        _ = program.validate(d).findings
    fast = time.perf_counter() - started
    started = time.perf_counter()
    for d in docs:
        program.validate(d).turtle()
    report = time.perf_counter() - started
    return {"pyshacl": slow, "findings": fast, "w3c_report": report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()

    from rdflib import Graph

    from archive.rdf.extract import extract_file
    from archive.synth import generate_letter

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        letter = Path(tmp) / "one-letter.xml"
        letter.write_bytes(generate_letter(1, 1))
        record = ROOT / "tei" / "calais-2014-07-10.xml"
        print("== 1. one record, cold (median of", args.runs, "runs)")
        for name, file in (("synthetic letter", letter), ("the Calais letter", record)):
            ours = _cold_validate(file, args.runs)
            theirs = _jing(file, args.runs)
            line = f"{name:18} archive validate {ours:6.2f} s"
            if theirs is not None:
                line += f"   jing tei_all.rng {theirs:6.2f} s   ratio {ours / theirs:5.2f}"
            else:
                line += "   (jing not installed: apt-get install jing)"
            print(line)

        print(f"== 2. SHACL on {args.docs} letter graphs")
        docs = []
        for i in range(args.docs):
            path = Path(tmp) / f"l{i}.xml"
            path.write_bytes(generate_letter(i, 7))
            docs.extend(extract_file(path).documents)
        for label, shapes in (
            ("project shapes", None),
            ("every feature", Graph().parse(data=ALL_FEATURES, format="turtle")),
        ):
            if shapes is None:
                from archive.shacl.shapesfile import project_shapes

                shapes = project_shapes().graph
            t = _shacl(docs, shapes)
            print(
                f"{label:15} pySHACL {t['pyshacl']:7.2f} s   findings {t['findings']:6.3f} s "
                f"({t['pyshacl'] / t['findings']:5.1f}x)   W3C report {t['w3c_report']:6.3f} s "
                f"({t['pyshacl'] / t['w3c_report']:5.1f}x)"
            )


if __name__ == "__main__":
    main()
