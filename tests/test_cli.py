"""The `kg` command as users run it: help, exit codes, bad input, atomic and deterministic output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from conftest import run_kg
from kg.namespaces import VOID

COMMANDS = ["build", "validate", "export", "stats", "coverage", "queries", "query", "viz", "load", "serve"]


def test_top_level_help_lists_every_command():
    r = run_kg("--help")
    assert r.returncode == 0
    for c in COMMANDS:
        assert c in r.stdout.decode()


def test_build_parses_its_arguments_without_the_query_and_drawing_libraries():
    # a third of a second of `kg build` went into importing what only query, viz and serve use
    code = ("import sys; from kg.cli import _command_of, make_parser; "
            "make_parser(_command_of(['--root', '.', 'build', '--out', 'x'])).parse_args(['build']); "
            "print(sorted(m for m in ('networkx', 'numpy', 'rdflib.plugins.sparql') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    r = run_kg(command, "--help")
    assert r.returncode == 0
    assert f"usage: kg {command}" in r.stdout.decode()


def test_unknown_command_exits_2_listing_choices():
    r = run_kg("frobnicate")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "invalid choice" in err and "build" in err and "validate" in err


def test_unknown_format_exits_2_listing_choices(project):
    r = run_kg("--root", str(project), "export", "--format", "yaml")
    assert r.returncode == 2
    err = r.stderr.decode()
    assert "turtle" in err and "jsonld" in err and "trig" in err


def test_build_writes_every_format_and_prints_a_summary(project):
    r = run_kg("--root", str(project), "build")
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert "triples" in out and "entities by class" in out and "figures by role" in out and "conforms" in out
    dist = project / "dist"
    assert sorted(p.name for p in dist.iterdir()) == ["graph.jsonld", "graph.nt", "graph.trig", "graph.ttl", "void.ttl"]
    ttl = Graph().parse(dist / "graph.ttl")
    for name, fmt in [("graph.nt", "nt"), ("graph.jsonld", "json-ld")]:
        assert isomorphic(ttl, Graph().parse(dist / name, format=fmt)), f"{name} differs from graph.ttl"
    ds = Dataset()
    ds.parse(dist / "graph.trig", format="trig")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert "https://w3id.org/gwr/id/shanghai-2024" in names and "https://w3id.org/gwr/ontology" in names
    void = Graph().parse(dist / "void.ttl")
    assert [int(n) for n in void.objects(None, VOID.triples)] == [len(ttl)]


def test_exports_are_deterministic_and_round_trip(project, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env_out = tmp_path / f"out{seed}"
        os.environ["PYTHONHASHSEED"] = seed
        try:
            assert run_kg("--root", str(project), "build", "--out", str(env_out)).returncode == 0
            for fmt in ("xml", "trig"):
                assert run_kg("--root", str(project), "export", "--format", fmt, "-o", str(env_out / f"x.{fmt}")).returncode == 0
        finally:
            del os.environ["PYTHONHASHSEED"]
        outputs.append({p.name: p.read_bytes() for p in sorted(env_out.iterdir())})
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between runs"
    g_ttl = Graph().parse(tmp_path / "out1" / "graph.ttl")
    assert isomorphic(g_ttl, Graph().parse(tmp_path / "out1" / "x.xml", format="xml"))


def _break(project: Path, name: str, text: str) -> Path:
    path = project / "data" / "shanghai-2024" / name
    path.write_text(text, encoding="utf-8")
    return path


PREFIXES = """@prefix gwr: <https://w3id.org/gwr/ontology#> .
@prefix id: <https://w3id.org/gwr/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


def test_turtle_syntax_error_is_one_line_exit_2_and_dist_untouched(project):
    assert run_kg("--root", str(project), "build").returncode == 0
    before = {p.name: p.read_bytes() for p in (project / "dist").iterdir()}
    _break(project, "broken.ttl", PREFIXES + "\nid:x a gwr:Place ;\n    skos:prefLabel \"X\"@en\n    gwr:evidence \"Shanghai\" .\n")
    r = run_kg("--root", str(project), "build")
    assert r.returncode == 2
    err = r.stderr.decode().strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("kg: error: data/shanghai-2024/broken.ttl:7:"), err
    assert "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (project / "dist").iterdir()} == before


def test_shacl_violation_exits_1_lists_it_and_exports_nothing(project):
    _break(project, "bad-shape.ttl", PREFIXES + '\nid:nowhere-zone a gwr:Zone , gwr:Place , gwr:Entity ;\n'
           '    skos:prefLabel "Lingang Special Area"@en ;\n    gwr:evidence "Lingang Special Area" .\n')
    r = run_kg("--root", str(project), "build")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "data/shanghai-2024/bad-shape.ttl: id:nowhere-zone: gwr:partOf: A zone must be placed" in err
    assert not (project / "dist").exists()
    v = run_kg("--root", str(project), "validate")
    assert v.returncode == 1
    assert "id:nowhere-zone" in v.stdout.decode()


def test_quote_not_in_source_exits_1_naming_file_subject_and_quote(project):
    _break(project, "bad-quote.ttl", PREFIXES + '\nid:atlantis a gwr:Place , gwr:Entity ;\n'
           '    skos:prefLabel "Atlantis"@en ;\n    gwr:evidence "The city of Atlantis rose from the sea." .\n')
    r = run_kg("--root", str(project), "build")
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "data/shanghai-2024/bad-quote.ttl: https://w3id.org/gwr/id/atlantis: gwr:evidence: quote not found" in err
    assert "The city of Atlantis rose from the sea." in err
    assert not (project / "dist").exists()


def test_a_shortcut_in_curated_data_exits_1_naming_file_subject_and_property(project):
    # gwr:kind, gwr:firstQuote and gwr:degree are derived; queries would read a curated one as theirs
    _break(project, "shortcuts.ttl", PREFIXES + '\nid:pudong gwr:kind gwr:Zone ;\n'
           '    gwr:firstQuote <https://w3id.org/gwr/id/shanghai-2024/quote/1> ;\n    gwr:degree 1 .\n')
    r = run_kg("--root", str(project), "build")
    assert r.returncode == 1
    err = r.stderr.decode()
    for prop in ("gwr:kind", "gwr:firstQuote", "gwr:degree"):
        assert (f"data/shanghai-2024/shortcuts.ttl: https://w3id.org/gwr/id/pudong: {prop}: "
                "derived by the build: curated data cannot state it") in err, err
    assert not (project / "dist").exists()


def test_unwritable_output_exits_2_and_keeps_old_output(project, tmp_path):
    out = tmp_path / "out"
    assert run_kg("--root", str(project), "build", "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    os.chmod(out, 0o555)
    try:
        if os.access(out, os.W_OK):  # root ignores permissions: use a path under a file instead
            target = out / "graph.ttl" / "sub"
        else:
            target = out
        r = run_kg("--root", str(project), "build", "--out", str(target))
    finally:
        os.chmod(out, 0o755)
    assert r.returncode == 2
    assert r.stderr.decode().startswith("kg: error:")
    assert "Traceback" not in r.stderr.decode()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_export_to_unwritable_file_leaves_no_partial_file(project, tmp_path):
    target = tmp_path / "missing-dir" / "graph.ttl"
    r = run_kg("--root", str(project), "export", "--format", "turtle", "-o", str(target))
    assert r.returncode == 2
    assert not target.parent.exists()


def test_stats_prints_counts_figures_and_degree(project):
    r = run_kg("--root", str(project), "stats")
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "District" in out and "figures by role and period" in out and "most connected entities" in out


def test_stated_form_not_in_its_quote_exits_1(project):
    _break(project, "bad-form.ttl", PREFIXES + '@prefix fig: <https://w3id.org/gwr/id/shanghai-2024/figure/> .\n'
           '@prefix ind: <https://w3id.org/gwr/id/indicator/> .\n@prefix unit: <http://qudt.org/vocab/unit/> .\n'
           'fig:cpi-growth-2023-wrong a gwr:AchievedFigure ; gwr:indicator ind:cpi-growth ; gwr:value 0.3 ;\n'
           '    gwr:unit unit:PERCENT ; gwr:statedForm "about 0.3%" ; gwr:comparator gwr:approximately ;\n'
           '    gwr:evidence "The CPI rose by 0.3%." .\n')
    r = run_kg("--root", str(project), "validate")
    assert r.returncode == 1
    assert "data/shanghai-2024/bad-form.ttl: https://w3id.org/gwr/id/shanghai-2024/figure/cpi-growth-2023-wrong: gwr:statedForm" in r.stdout.decode()
