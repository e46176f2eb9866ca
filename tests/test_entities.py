"""Entities against the report: named as the report names them, quoted, placed, mentioned."""

from __future__ import annotations

import re

from conftest import ROOT
from kg.namespaces import GWR, ID, RDF, SKOS
from kg.provenance import normalise

STOP = {"the", "of", "and", "in", "a", "for", "to", "on"}
# Places beyond Shanghai's districts: regions reaching over several provinces, and places
# outside the municipality (Xiaoyangshan island is in Zhejiang), rivers that cross the border
# (Suzhou Creek rises in Jiangsu). Luowen River: its district
# is not known to us, so it is left unplaced rather than guessed.
OUTSIDE_DISTRICTS = {"hong-kong", "macao", "taiwan", "yangtze-river", "yangtze-river-delta",
                     "yangtze-river-economic-belt", "shanghai-metropolitan-area", "g60-science-and-technology-innovation-corridor",
                     "industrial-innovation-belt-along-shanghai-and-nanjing", "xiaoyangshan", "suzhou-creek", "luowen-river"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower())) - STOP


def _labels(graph, e) -> list[str]:
    return [normalise(str(l)).lower() for p in (SKOS.prefLabel, SKOS.altLabel)
            for l in graph.objects(e, p) if l.language in (None, "en")]


def test_more_than_300_entities(graph):
    assert len(set(graph.subjects(RDF.type, GWR.Entity))) > 300


def test_every_quote_of_an_entity_names_it(graph):
    """A quote names the entity by a label or alias, or (for names the report splits, like
    "the third and the fourth plenary sessions") by most of its label's words."""
    wrong = []
    for e in sorted(set(graph.subjects(RDF.type, GWR.Entity))):
        labels = _labels(graph, e)
        for quote in graph.objects(e, GWR.evidence):
            q = normalise(str(quote)).lower()
            if any(l in q for l in labels):
                continue
            label_words = _words(labels[0])
            if len(label_words & _words(q)) < 0.5 * len(label_words):
                wrong.append(f"{e}: {q[:80]!r} does not name {labels[0]!r}")
    assert not wrong, "\n".join(wrong)


def test_places_lie_in_districts(graph):
    """Every place in Shanghai links, directly or through other places, to a district or the city."""
    districts = set(graph.subjects(RDF.type, GWR.District)) | {ID.shanghai}
    unplaced = []
    for place in sorted(set(graph.subjects(RDF.type, GWR.Place)) - districts):
        if str(place).rsplit("/", 1)[1] in OUTSIDE_DISTRICTS:
            continue
        if not set(graph.transitive_objects(place, GWR.partOf)) & districts:
            unplaced.append(str(place))
    assert not unplaced, unplaced


def test_mentions_link_paragraphs_to_the_entities_they_name(graph):
    para = next(p for p in graph.subjects(RDF.type, GWR.Paragraph)
                if str(graph.value(p, GWR.text)).startswith("After a thorough review of the development experience"))
    mentioned = set(graph.objects(para, GWR.mentions))
    assert ID["pudong-new-area"] in mentioned  # "... for the Pudong New Area."
    assert ID["china-shanghai-pilot-free-trade-zone"] in mentioned  # "... China (Shanghai) Pilot Free Trade Zone (FTZ)"


def test_a_label_occurs_as_whole_words_where_the_regex_says():
    """add_mentions finds labels without a regex per label; it must agree with
    (?<!\\w)label(?!\\w) on the report's paragraphs and on the edges of a word."""
    from kg.derive import _occurs_as_words
    cases = [("Pudong", "Pudong New Area"), ("Pudong", "the Pudong."), ("Pudong", "Pudongs"), ("Pudong", "_Pudong"),
             ("Pudong", "上海Pudong"), ("Pudong", "Pudong2 Pudong"), ("5G", "5G networks"), ("5G", "15G"),
             ("FTZ", "(FTZ)"), ("Lingang", "Lingang-Lingang"), ("Area", "Area"), ("a b", "xa b a b")]
    text = (ROOT / "data" / "sources" / "shanghai-2024.txt").read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n") if p.strip()][:40]
    cases += [(label, para) for para in paragraphs for label in ("Shanghai", "Center", "Centers", "the", "ai", "2023")]
    for label, text in cases:
        expected = re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", text) is not None
        assert _occurs_as_words(label, text) is expected, (label, text)


def test_every_project_has_kind_status_and_place(graph):
    for p in graph.subjects(RDF.type, GWR.Project):
        assert graph.value(p, GWR.projectKind) is not None, p
        assert graph.value(p, GWR.status) is not None, p
        assert graph.value(p, GWR.locatedIn) is not None, p
