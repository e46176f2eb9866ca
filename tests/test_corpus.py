"""The synthetic corpus (kg.corpus): reports shaped like the real one, with other names, that
build and conform on their own and meet only where real reports would (shared terms)."""

from collections import Counter

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from kg.corpus import generate_corpus
from kg.graph import build_graph
from kg.namespaces import ID, ID_BASE, IND

from conftest import ROOT


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "project"
    slugs = generate_corpus(ROOT, out, 3, seed=0)
    return slugs, build_graph(out)


@pytest.fixture(scope="module")
def real(built):
    return built  # the repository's graph, derived once for the session (conftest)


def test_every_report_conforms(corpus):
    slugs, kg = corpus
    assert slugs == ["synthetic-0001", "synthetic-0002", "synthetic-0003"]
    assert kg.validate().problems == []


def test_each_report_has_the_real_reports_classes(corpus, real):
    _, kg = corpus
    (real_graph,) = real.report_graphs.values()
    want = Counter(o for o in real_graph.objects(None, RDF.type))
    for graph in kg.report_graphs.values():
        assert Counter(o for o in graph.objects(None, RDF.type)) == want


def test_the_five_centers_keep_their_names(corpus, real):
    # id:five-centers is named by the shapes, so every report shares it, as real reports
    # would; its names are the real report's, not one cipher per report (a hundred labels
    # at a hundred reports, which multiplied the rows of every query over labels)
    _, kg = corpus
    union = kg.union()
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        names = set(union.objects(ID["five-centers"], prop))
        assert names == set(real.union().objects(ID["five-centers"], prop))
    assert Literal("“Five Centers” Initiative", lang="en") in union.objects(ID["five-centers"], SKOS.prefLabel)


def _entities(graph) -> set:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ID_BASE)}


def test_reports_share_only_what_real_reports_share(corpus, real):
    # Entities of the real report that the ontology and shapes do not name get other IRIs
    # in each report, digit-only slugs ("2+2" is id:2-2) included: no two reports meet by chance.
    slugs, kg = corpus
    graphs = list(kg.report_graphs.values())
    shared = _entities(graphs[0]) & _entities(graphs[1]) & _entities(graphs[2])
    names = {str(s)[len(ID_BASE):] for s in shared if not str(s).startswith(str(IND))}
    assert names == {"five-centers", "indicators"}
    assert _entities(graphs[0]) & _entities(graphs[1]) == shared
    assert URIRef(f"{ID_BASE}2-2") in _entities(next(iter(real.report_graphs.values())))
