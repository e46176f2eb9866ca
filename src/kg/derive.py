"""Compute the triples that are never typed by hand: passages, located quotes, background
facts, defaults of figures, commitments, type closure, mentions, and three shortcuts
the queries read instead of computing them per query (first quotes, kinds and degrees)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import DCTERMS, GWR, OA, PROV, RDF, RDFS, SHORTCUTS, SKOS
from .provenance import SourceIndex, normalise
from .sources import Inputs, Report
from .stats import degrees
from .structure import Passage, parse_structure, split_sentences

# Every paragraph of Parts II and III is a commitment except the salutations ("Fellow
# deputies:"), the main-target list items (targets, not tasks) and headings: a sentence of at
# most 15 words that commits to nothing ("Accelerating the development of Shanghai as an
# international shipping center.").
COMMITMENT_PARTS = ("part-2", "part-3")
MODAL_RE = re.compile(r"\b(will|shall|must|should|need to|strive|aim|propose|let's|let us)\b", re.I)
SALUTATION_RE = re.compile(r"^Fellow deputies\b")
HEADING_MAX_WORDS = 15
LIST_ITEM_RE = re.compile(r"^\. ")
SECTION_NUMBER_RE = re.compile(r"^\d{1,2}\. ")


@dataclass(frozen=True)
class Problem:
    """One reason the data does not conform, located as precisely as we can."""

    file: str
    subject: str
    property: str
    message: str
    source: str = "provenance"  # "shacl" or "provenance"
    shape: str = "-"  # the SHACL node shape that fired, for shape problems

    def line(self) -> str:
        return f"{self.file}: {self.subject}: {self.property}: {self.message}"


def passage_iri(report: Report, path: str) -> URIRef:
    return URIRef(f"{report.iri}/{path}")


def commitment_iri(report: Report, path: str) -> URIRef:
    return URIRef(f"{report.iri}/commitment/{path.replace('/', '-')}")


def quote_iri(report: Report, start: int, end: int) -> URIRef:
    return URIRef(f"{report.iri}/quote/{start}-{end}")


class CuratedView:
    """A report's curated files read as one graph, without copying them into one (the lookups
    the deriver makes of the curated data alone, before its own triples join them)."""

    def __init__(self, graphs: list[Graph]) -> None:
        self.graphs = graphs

    def objects(self, subject, predicate) -> Iterator:
        for g in self.graphs:
            yield from g.objects(subject, predicate)

    def subjects(self, predicate, obj) -> set:
        return {s for g in self.graphs for s in g.subjects(predicate, obj)}

    def value(self, subject, predicate):
        return next(self.objects(subject, predicate), None)


class ReportDeriver:
    """Derives one report's triples into `out` (its named graph)."""

    def __init__(self, inputs: Inputs, report: Report, curated: CuratedView, out: Graph) -> None:
        self.inputs = inputs
        self.report = report
        self.curated = curated
        self.out = out
        self.passages = parse_structure(report.text)
        self.index = SourceIndex(report.text, self.passages)
        self.problems: list[Problem] = []

    # -- passages --------------------------------------------------------------------
    def add_passages(self) -> None:
        kinds = {"part": GWR.Part, "section": GWR.Section, "paragraph": GWR.Paragraph,
                 "footnote": GWR.Footnote}
        out, r = self.out, self.report
        for p in self.passages:
            iri = passage_iri(r, p.path)
            out.add((iri, RDF.type, kinds[p.kind]))
            parent = passage_iri(r, p.parent) if p.parent else r.iri
            out.add((iri, DCTERMS.isPartOf, parent))
            out.add((iri, GWR.report, r.iri))
            out.add((iri, GWR.ordinal, Literal(p.ordinal)))
            out.add((iri, OA.start, Literal(p.start)))
            out.add((iri, OA.end, Literal(p.end)))
            if p.kind in ("paragraph", "footnote"):  # parts and sections are their paragraphs
                out.add((iri, GWR.text, Literal(p.text(r.text))))
            out.add((iri, RDFS.label, Literal(p.path)))
            if p.title:
                out.add((iri, DCTERMS.title, Literal(p.title)))

    # -- quotes ----------------------------------------------------------------------
    def locate(self, subject, quote: str, file: str) -> URIRef | None:
        """Add the quote node for one evidence string; record a problem if it is absent."""
        found = self.index.find(quote)
        if found is None:
            self.problems.append(Problem(file, str(subject), "gwr:evidence",
                                         f"quote not found in {self.report.text_path.name}: \"{normalise(quote)}\""))
            return None
        q = quote_iri(self.report, found.start, found.end)
        out = self.out
        out.add((q, RDF.type, GWR.Quote))
        out.add((q, OA.exact, Literal(normalise(found.exact))))
        out.add((q, OA.start, Literal(found.start)))
        out.add((q, OA.end, Literal(found.end)))
        out.add((q, DCTERMS.source, self.report.iri))
        out.add((q, GWR.report, self.report.iri))
        passage = self.index.passage_of(found.start, found.end)
        if passage is not None:
            piri = passage_iri(self.report, passage.path)
            out.add((q, GWR.inPassage, piri))
            out.add((subject, PROV.wasDerivedFrom, piri))
        out.add((subject, GWR.hasQuote, q))
        return q

    def add_quotes(self) -> None:
        for path, g in self.report.curated.items():
            file = str(path.relative_to(self.inputs.root))
            for s, o in sorted(g.subject_objects(GWR.evidence)):
                self.locate(s, str(o), file)
            # a stated form is words of the figure's own quote
            for s, form in sorted(g.subject_objects(GWR.statedForm)):
                quotes = [normalise(str(q)) for q in self.curated.objects(s, GWR.evidence)]
                if not any(normalise(str(form)) in q for q in quotes):
                    self.problems.append(Problem(file, str(s), "gwr:statedForm",
                                                 f"stated form \"{form}\" is not words of the figure's quote"))

    # -- background facts --------------------------------------------------------------
    def add_background_facts(self) -> None:
        for fact in sorted(self.curated.subjects(RDF.type, GWR.BackgroundFact)):
            s = self.curated.value(fact, RDF.subject)
            p = self.curated.value(fact, RDF.predicate)
            o = self.curated.value(fact, RDF.object)
            if s is not None and p is not None and o is not None:
                self.out.add((s, p, o))

    # -- figures -------------------------------------------------------------------------
    def add_figure_defaults(self) -> None:
        desc = self.report.description
        review = desc.value(self.report.iri, GWR.reviewYear)
        plan = desc.value(self.report.iri, GWR.planYear)
        area = desc.value(self.report.iri, DCTERMS.spatial)
        roles = [(GWR.AchievedFigure, GWR.achieved, review), (GWR.TargetFigure, GWR.target, plan),
                 (GWR.QualitativeTarget, GWR.target, plan), (GWR.DescriptiveFigure, GWR.descriptive, None)]
        for cls, role, year in roles:
            for fig in sorted(self.curated.subjects(RDF.type, cls)):
                fig_year = year if year is not None else (review if self._in_review_part(fig) else plan)
                self.out.add((fig, GWR.role, role))
                self.out.add((fig, GWR.report, self.report.iri))
                if self.curated.value(fig, GWR.period) is None and fig_year is not None:
                    self.out.add((fig, GWR.period, Literal(str(fig_year), datatype=XSD.gYear)))
                if self.curated.value(fig, GWR.area) is None and area is not None:
                    self.out.add((fig, GWR.area, area))

    def _in_review_part(self, fig) -> bool:
        """Whether a figure's quote lies in Part I (the review of the past year)."""
        part_1 = f"{self.report.iri}/part-1"
        return any(str(p) == part_1 or str(p).startswith(part_1 + "/")
                   for q in self.out.objects(fig, GWR.hasQuote) for p in self.out.objects(q, GWR.inPassage))

    # -- commitments ---------------------------------------------------------------------
    def add_commitments(self, figure_passages: dict) -> None:
        out, r = self.out, self.report
        for p in self.passages:
            if p.kind != "paragraph" or not p.path.startswith(COMMITMENT_PARTS):
                continue
            text = p.text(r.text)
            body = SECTION_NUMBER_RE.sub("", text)
            sentences = split_sentences(body)
            heading = len(sentences) == 1 and len(body.split()) <= HEADING_MAX_WORDS and not MODAL_RE.search(body)
            if LIST_ITEM_RE.match(text) or SALUTATION_RE.match(text) or heading:
                continue
            c = commitment_iri(r, p.path)
            piri = passage_iri(r, p.path)
            headline = sentences[0]
            out.add((c, RDF.type, GWR.Commitment))
            out.add((c, GWR.headline, Literal(headline)))
            out.add((c, GWR.passage, piri))
            out.add((c, GWR.inSection, passage_iri(r, p.parent) if p.parent else r.iri))
            out.add((c, GWR.report, r.iri))
            out.add((c, GWR.evidence, Literal(headline)))
            self.locate(c, headline, "derived")
            for fig in figure_passages.get(piri, ()):
                out.add((c, GWR.hasFigure, fig))
        self._check_curated_commitments()

    def check_no_shortcuts(self) -> None:
        """The shortcuts (gwr:kind, gwr:firstQuote, gwr:degree) are the build's to state: one
        written in a curated file would be taken for a derived one by every query."""
        for path, g in self.report.curated.items():
            for prop in sorted(SHORTCUTS):
                for s in sorted(set(g.subjects(prop))):
                    self.problems.append(Problem(str(path.relative_to(self.inputs.root)), str(s),
                                                 f"gwr:{prop.removeprefix(str(GWR))}",
                                                 "derived by the build: curated data cannot state it"))

    def _check_curated_commitments(self) -> None:
        """Curators may only add to commitments the build derives: name any other."""
        prefix = f"{self.report.iri}/commitment/"
        for path, g in self.report.curated.items():
            for s in sorted(set(g.subjects())):
                if str(s).startswith(prefix) and (s, RDF.type, GWR.Commitment) not in self.out:
                    self.problems.append(Problem(str(path.relative_to(self.inputs.root)), str(s), "-",
                                                 "no such commitment: the build derives none for this paragraph"))


def superclasses(ontology: Graph) -> dict:
    """Each class of the ontology with all its superclasses that are IRIs (itself excluded)."""
    direct: dict = {}
    for c, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sup, URIRef):
            direct.setdefault(c, set()).add(sup)
    closure: dict = {}

    def up(c, seen):
        for s in direct.get(c, ()):
            if s not in seen:
                seen.add(s)
                up(s, seen)
        return seen

    for c in direct:
        closure[c] = up(c, set())
    return closure


def add_type_closure(graph: Graph, closure: dict) -> None:
    """Materialise rdf:type of every superclass (`closure`: `superclasses` of the ontology),
    so queries need no inference."""
    for s, c in list(graph.subject_objects(RDF.type)):
        for sup in closure.get(c, ()):
            graph.add((s, RDF.type, sup))


def add_first_quotes(graph: Graph) -> None:
    """gwr:firstQuote: the quote of each thing that starts first in its report (several when
    they start at one offset); an indicator, which has no quote of its own, takes the first
    quote of its figures. Stored because finding it per query compares every quote of a
    thing with every other: for a thing all reports quote (the Five Centers, 500 quotes at
    100 reports) a quarter of a million comparisons a query."""
    starts: dict = {}
    for s, q in graph.subject_objects(GWR.hasQuote):
        start = graph.value(q, OA.start)
        if start is not None:
            starts.setdefault(s, []).append((int(start), q))
    for figure, indicator in graph.subject_objects(GWR.indicator):
        if figure in starts:
            starts.setdefault(indicator, []).extend(starts[figure])
    for s, quotes in starts.items():
        first = min(start for start, _ in quotes)
        for start, q in quotes:
            if start == first:
                graph.add((s, GWR.firstQuote, q))


# Structural nodes: their kind is their type, and no query asks it.
_NO_KIND = {GWR.Passage, GWR.Quote}


def add_kinds(graph: Graph, closure: dict) -> None:
    """gwr:kind: each thing's most specific classes of ours, the types of it no other type of
    it is a subclass of (a District, not also a Place and an Entity; `closure`: `superclasses`
    of the ontology). Stored because finding them takes every query that shows a kind a
    subclass test per type per row."""
    types: dict = {}
    for s, c in graph.subject_objects(RDF.type):
        if isinstance(c, URIRef) and c.startswith(str(GWR)):
            types.setdefault(s, set()).add(c)
    for s, classes in types.items():
        if classes & _NO_KIND:
            continue
        inherited = set().union(*(closure.get(c, ()) for c in classes))
        for c in classes - inherited:
            graph.add((s, GWR.kind, c))


def add_degrees(graph: Graph) -> None:
    """gwr:degree: the links of each entity in its report, as `kg stats` counts them
    (kg.stats.degrees). Stored because counting them ranks every link of the store."""
    for e, d in degrees(graph).items():
        graph.add((e, GWR.degree, Literal(d)))


def add_mentions(graph: Graph, report: Report, passages: list[Passage]) -> None:
    """Link each paragraph and footnote to the entities whose English labels or aliases occur
    in it as whole words (case-sensitive). A name inside a longer name counts too: "policies
    for the Lingang Special Area" mentions both the policies and the Lingang Special Area."""
    labels: dict[str, set] = {}
    for e in set(graph.subjects(RDF.type, GWR.Entity)):
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for lab in graph.objects(e, prop):
                if isinstance(lab, Literal) and lab.language in (None, "en") and len(str(lab)) > 1:
                    labels.setdefault(normalise(str(lab)), set()).add(e)
    # A label that occurs as whole words begins with a whole word of the text: a passage is
    # searched only for the labels whose first word it has (a label that does not begin
    # with a letter or digit, always).
    by_first_word: dict[str, list] = {}
    for label, entities in labels.items():
        first = _WORD_RE.match(label)
        by_first_word.setdefault(first.group() if first else "", []).append((label, entities))
    for p in passages:
        if p.kind not in ("paragraph", "footnote"):
            continue
        text = p.text(report.text)
        piri = passage_iri(report, p.path)
        for word in set(_WORD_RE.findall(text)) | {""}:
            for label, entities in by_first_word.get(word, ()):
                if _occurs_as_words(label, text):
                    for e in entities:
                        graph.add((piri, GWR.mentions, e))


_WORD_RE = re.compile(r"\w+")


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"  # what \w matches in a str pattern


def _occurs_as_words(label: str, text: str) -> bool:
    """Whether `label` occurs in `text` with no word character just before or after it
    (the regex `(?<!\\w)label(?!\\w)`, without compiling one per label)."""
    i = text.find(label)
    while i >= 0:
        end = i + len(label)
        if (i == 0 or not _is_word_char(text[i - 1])) and (end == len(text) or not _is_word_char(text[end])):
            return True
        i = text.find(label, i + 1)
    return False


def derive_report(inputs: Inputs, report: Report, ontology: Graph) -> tuple[Graph, list[Problem]]:
    """The named graph of one report: its description, curated data and derived triples."""
    out = Graph(identifier=report.iri)
    out += report.description
    for g in report.curated.values():
        out += g
    d = ReportDeriver(inputs, report, CuratedView(list(report.curated.values())), out)
    d.check_no_shortcuts()
    d.add_passages()
    d.add_quotes()
    d.add_background_facts()
    d.add_figure_defaults()
    figure_passages: dict = {}
    for cls in (GWR.AchievedFigure, GWR.TargetFigure, GWR.DescriptiveFigure, GWR.QualitativeTarget):
        for fig in out.subjects(RDF.type, cls):
            for q in out.objects(fig, GWR.hasQuote):
                for piri in out.objects(q, GWR.inPassage):
                    figure_passages.setdefault(piri, set()).add(fig)
    d.add_commitments(figure_passages)
    closure = superclasses(ontology)
    add_type_closure(out, closure)
    add_mentions(out, report, d.passages)
    add_first_quotes(out)
    add_kinds(out, closure)
    add_degrees(out)  # last: it counts every link above
    return out, d.problems
