"""A synthetic corpus: N reports shaped like a real one, for measuring how the project scales.

Each synthetic report is the real report with other names and other values: its text and
its curated data go through one substitution, seeded per report, so that every quote still
occurs in the text, every label still occurs where the real one did, and the build derives
the same structure (parts, sections, paragraphs, footnotes, commitments, mentions):

- letters: a permutation of a-z (upper case follows lower case), so words keep their length,
  case and position; the words the structure rules read stay as they are (Roman numerals,
  "Fellow deputies", "Translator's note", and the modal verbs that make a commitment);
- digits: a permutation of 1-9 (0 stays, so "4.72 trillion" and 4720000000000.0 change
  alike); years (19xx, 20xx) and the numbers that head a section or footnote stay;
- Chinese labels: each character shifted within the CJK block;
- IRIs: the report's slug is new; entities, places, background facts and figures get
  ciphered slugs (a slug of digits only also takes the report's slug, so that two reports'
  entities never meet by chance); indicators, the ontology's terms and anything the ontology
  or shapes name are shared by all reports, as real reports share indicators, and keep their
  names (labels, descriptions) in every report, so that the names of the few shared entities
  (id:five-centers) are not found in the synthetic texts.

A literal that occurs in the real text (a quote, a stated form, most labels) is replaced by
the synthetic text at the same place, so it matches there by construction; other literals
go through the same substitution on their own. Classes, counts, degrees and literal sizes
are the real report's.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from .namespaces import DCTERMS, GWR, ID_BASE, IND, RDFS, SKOS
from .provenance import SourceIndex, normalise
from .sources import Report, load_inputs
from .structure import parse_structure

__all__ = ["generate_corpus", "SyntheticReport", "synthetic_parameters"]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
# Words that the structure rules (kg.structure, kg.derive) read: left as they are.
_KEEP_WORDS = {"fellow", "deputies", "translator", "s", "note", "will", "shall", "must", "should",
               "need", "to", "strive", "aim"}
_TOKEN_RE = re.compile(r"[A-Za-z]+|[0-9]+")
_ROMAN_RE = re.compile(r"^[IVX]+$")
_YEAR_RE = re.compile(r"^(19|20)\d\d$")
_HEADING_NUMBER_RE = re.compile(r"(?m)^\d{1,2}(?=\. | \()")
_NUMBER_TYPES = {XSD.decimal, XSD.integer, XSD.int, XSD.nonNegativeInteger, XSD.positiveInteger}
_CJK_FIRST, _CJK_COUNT = 0x4E00, 0x9FA5 - 0x4E00 + 1
_SKIP_PREDICATES = {GWR.sourceText, GWR.sha256}
_NAME_PREDICATES = {SKOS.prefLabel, SKOS.altLabel, RDFS.label, DCTERMS.description}


class SyntheticReport:
    """The substitution of one synthetic report (see the module doc)."""

    def __init__(self, slug: str, seed: str) -> None:
        rng = random.Random(seed)
        letters = list(_LOWER)
        rng.shuffle(letters)
        digits = list("123456789")
        rng.shuffle(digits)
        pairs = dict(zip(_LOWER, letters)) | dict(zip(_LOWER.upper(), "".join(letters).upper()))
        pairs |= dict(zip("123456789", digits))
        self.slug = slug
        self.table = str.maketrans(pairs)
        self.cjk_shift = rng.randrange(1, _CJK_COUNT)

    def _keep(self, token: str) -> bool:
        return (token.lower() in _KEEP_WORDS or bool(_ROMAN_RE.match(token)) or bool(_YEAR_RE.match(token)))

    def words(self, text: str, *, protect: list[tuple[int, int]] = ()) -> str:
        """`text` with letters and digits substituted, kept words and `protect` spans left."""
        out = list(text.translate(self.table))
        for m in _TOKEN_RE.finditer(text):
            if self._keep(m.group(0)):
                out[m.start():m.end()] = m.group(0)
        for a, b in protect:
            out[a:b] = text[a:b]
        return "".join(out)

    def text(self, text: str) -> str:
        """The synthetic report text: same length, same lines, same structure."""
        return self.words(text, protect=[m.span() for m in _HEADING_NUMBER_RE.finditer(text)])

    def chinese(self, text: str) -> str:
        return "".join(chr(_CJK_FIRST + (ord(c) - _CJK_FIRST + self.cjk_shift) % _CJK_COUNT)
                       if _CJK_FIRST <= ord(c) < _CJK_FIRST + _CJK_COUNT else c for c in text)

    def number(self, lexical: str) -> str:
        return lexical.translate(self.table) if re.fullmatch(r"[+-]?[0-9.]+", lexical) else lexical


class _Rewriter:
    """Maps the terms of one real report to one synthetic report."""

    def __init__(self, report: Report, keep: set, synthetic: SyntheticReport, new_text: str,
                 index: SourceIndex) -> None:
        self.old_base = str(report.iri) + "/"
        self.new_iri = URIRef(f"{ID_BASE}{synthetic.slug}")
        self.old_iri = report.iri
        self.keep = keep
        self.s = synthetic
        self.new_text = new_text
        self.index = index
        self.iris: dict = {}
        self.literals: dict = {}

    def _slug(self, slug: str) -> str:
        out = self.s.words(slug).lower()
        # a slug of digits only ("2-2", "3-6") has few ciphers: another report's entity could
        # get the same IRI, so it takes the report's slug along
        return out if any(c.isalpha() for c in out) else f"{out}-{self.s.slug}"

    def iri(self, term: URIRef) -> URIRef:
        if term in self.iris:
            return self.iris[term]
        text = str(term)
        if term == self.old_iri:
            out = self.new_iri
        elif text.startswith(self.old_base):
            rest = text[len(self.old_base):]
            if rest.startswith("figure/"):  # curated figure slugs are names; other paths are derived
                rest = "figure/" + self._slug(rest[len("figure/"):])
            out = URIRef(f"{self.new_iri}/{rest}")
        elif term in self.keep or text.startswith(str(IND)) or not text.startswith(ID_BASE):
            out = term
        else:
            rest = text[len(ID_BASE):]
            head, sep, tail = rest.rpartition("/")
            out = URIRef(ID_BASE + head + sep + self._slug(tail))
        self.iris[term] = out
        return out

    def literal(self, lit: Literal) -> Literal:
        if lit in self.literals:
            return self.literals[lit]
        if lit.datatype in _NUMBER_TYPES:
            out = Literal(self.s.number(str(lit)), datatype=lit.datatype)
        elif lit.datatype is not None:
            out = lit
        elif lit.language == "zh":
            out = Literal(self.s.chinese(str(lit)), lang="zh")
        elif lit.language in (None, "en"):
            found = self.index.find(str(lit)) if len(normalise(str(lit))) > 3 else None
            if found is not None:  # the synthetic text at the same place: it matches there
                value = normalise(self.new_text[found.start:found.end])
            else:
                value = self.s.words(str(lit))
            out = Literal(value, lang=lit.language)
        else:
            out = lit
        self.literals[lit] = out
        return out

    def term(self, term):
        if isinstance(term, URIRef):
            return self.iri(term)
        if isinstance(term, Literal):
            return self.literal(term)
        return term

    def graph(self, g: Graph) -> Graph:
        out = Graph()
        for s, p, o in g:
            if p in _SKIP_PREDICATES:
                continue
            # indicators keep their descriptions, and the other things every report shares
            # (the ontology or shapes name them: id:five-centers) their names, so that all
            # reports agree on them as real ones do: ciphered apart, one entity would carry
            # a hundred labels at a hundred reports
            shared = isinstance(s, URIRef) and (str(s).startswith(str(IND)) or s in self.keep and p in _NAME_PREDICATES)
            out.add((self.term(s), p, o if shared and isinstance(o, Literal) else self.term(o)))
        return out


def _rewriter(inputs, index: int, seed: int, prefix: str, shared: tuple | None = None) -> _Rewriter:
    """The rewriter of synthetic report number `index`; `shared` is what every report's
    rewriter can reuse (see _shared)."""
    report = inputs.reports[0]
    keep, source_index = shared or _shared(inputs)
    slug = f"{prefix}-{index + 1:04d}"
    synthetic = SyntheticReport(slug, f"{seed}/{index}")
    return _Rewriter(report, keep, synthetic, synthetic.text(report.text), source_index)


def _shared(inputs) -> tuple:
    report = inputs.reports[0]
    keep = {t for g in (inputs.ontology, inputs.shapes) for triple in g for t in triple if isinstance(t, URIRef)}
    return keep, SourceIndex(report.text, parse_structure(report.text))


def synthetic_parameters(source_root: Path, queries, *, seed: int = 0, prefix: str = "synthetic") -> dict[str, dict[str, str]]:
    """The default parameters of each stored query, as they read in the first synthetic
    report of generate_corpus(source_root, ..., seed=seed): entities resolved on the real
    graph, then renamed (as IRIs), words substituted, years as they are. By query name."""
    from .graph import build_graph
    from .queries import resolve_params

    kg = build_graph(source_root)
    graph = kg.union()
    rewrite = _rewriter(kg.inputs, 0, seed, prefix)
    out: dict[str, dict[str, str]] = {}
    for name, query in queries.items():
        values: dict[str, str] = {}
        for param, terms in resolve_params(graph, query, {}).items():
            mapped = [rewrite.term(t) for t in terms]
            if all(isinstance(t, URIRef) for t in mapped):
                values[param] = " ".join(f"<{t}>" for t in mapped)
            else:
                values[param] = " ".join(str(t) for t in mapped)
        out[name] = values
    return out


def generate_corpus(source_root: Path, out: Path, n: int, *, seed: int = 0, prefix: str = "synthetic") -> list[str]:
    """Write a project of `n` synthetic reports, made from the first report under
    `source_root`, into `out` (replacing it): ontology/, data/sources/<slug>.txt and .ttl,
    data/<slug>/*.ttl (N-Triples, which is Turtle). Returns the slugs. Raises InputError
    when the source project cannot be read.
    """
    inputs = load_inputs(source_root)
    report = inputs.reports[0]
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(inputs.root / "ontology", out / "ontology")
    (out / "data" / "sources").mkdir(parents=True)
    slugs = []
    shared = _shared(inputs)
    for i in range(n):
        rewrite = _rewriter(inputs, i, seed, prefix, shared)
        slug = rewrite.s.slug
        raw = rewrite.new_text.encode("utf-8")
        (out / "data" / "sources" / f"{slug}.txt").write_bytes(raw)
        desc = rewrite.graph(report.description)
        desc.add((rewrite.new_iri, GWR.sourceText, Literal(f"{slug}.txt")))
        desc.add((rewrite.new_iri, GWR.sha256, Literal(hashlib.sha256(raw).hexdigest())))
        (out / "data" / "sources" / f"{slug}.ttl").write_bytes(desc.serialize(format="nt", encoding="utf-8"))
        folder = out / "data" / slug
        folder.mkdir()
        for path, g in report.curated.items():
            (folder / path.name).write_bytes(rewrite.graph(g).serialize(format="nt", encoding="utf-8"))
        slugs.append(slug)
    return slugs
