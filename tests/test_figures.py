"""Figures against the report's words: each number is in its own quote and its value is the
stated form read with its multiplier; coverage is complete; results and targets pair up."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kg.coverage import coverage
from kg.namespaces import GWR, IND, OA, RDF, SKOS
from kg.provenance import normalise

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
         "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "hundred": 100,
         "thousand": 1000}
MULTIPLIERS = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
RANK_WORDS = ("first", "highest", "topping", "largest", "top")
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\s?\d+|\d+|\b(?:" + "|".join(WORDS) + r")\b", re.I)


def read_number(form: str) -> Decimal | None:
    """The number a stated form says, with "million", "billion" ... applied (None if none)."""
    m = NUMBER.search(form)
    if m is None:
        return None
    token = m.group(0)
    if token.lower() in WORDS:
        value = Decimal(WORDS[token.lower()])
    else:
        value = Decimal(re.sub(r"[,\s]", "", token))
    rest = form[m.end():].lower()
    mult = re.match(r"\s*(thousand|million|billion|trillion)\b", rest)
    if mult:
        value *= MULTIPLIERS[mult.group(1)]
    return value


def _figures(graph):
    return sorted(set(graph.subjects(RDF.type, GWR.Figure)))


def test_there_are_well_over_200_figures(graph):
    assert len(_figures(graph)) > 200


def _multiplier_after_footnote(graph, fig, form: str) -> int:
    """The multiplier that follows a stated form cut off by a translator's footnote: the
    paragraph's text (footnotes left out) goes on with "million" where the quote stopped."""
    quote = normalise(str(graph.value(fig, GWR.evidence)))
    for q in graph.objects(fig, GWR.hasQuote):
        for para in graph.subjects(RDF.type, GWR.Paragraph):
            text = str(graph.value(para, GWR.text) or "")
            k = text.find(quote)
            if k >= 0 and quote.endswith(form):
                m = re.match(r"\s*(thousand|million|billion|trillion)\b", text[k + len(quote):])
                if m:
                    return MULTIPLIERS[m.group(1)]
    return 1


def test_every_figure_value_is_its_stated_form_read_with_its_multiplier(graph):
    wrong = []
    for fig in _figures(graph):
        form = str(graph.value(fig, GWR.statedForm))
        value = Decimal(str(graph.value(fig, GWR.value)))
        expected = read_number(form)
        if expected is not None and not re.search(r"thousand|million|billion|trillion", form):
            expected *= _multiplier_after_footnote(graph, fig, form)
        if expected is None:
            if graph.value(fig, GWR.unit) == GWR.Rank and any(w in form.lower() for w in RANK_WORDS):
                expected = Decimal(1)
            else:
                wrong.append(f"{fig}: no number in stated form {form!r}")
                continue
        if value != expected:
            wrong.append(f"{fig}: value {value} but stated form {form!r} says {expected}")
    assert not wrong, "\n".join(wrong)


def test_every_figure_number_occurs_in_its_own_quote(graph):
    wrong = []
    for fig in _figures(graph):
        quote = normalise(str(graph.value(fig, GWR.evidence)))
        form = normalise(str(graph.value(fig, GWR.statedForm)))
        if form not in quote:
            wrong.append(f"{fig}: stated form {form!r} not in quote")
        m = NUMBER.search(form)
        if m and m.group(0) not in quote:
            wrong.append(f"{fig}: number {m.group(0)!r} not in quote")
    assert not wrong, "\n".join(wrong)


def test_coverage_is_complete(built, graph):
    for report in built.inputs.reports:
        audit = coverage(graph, report)
        missing = [m.context(report.text) for m in audit.missing]
        assert not missing, f"{audit.line()}; not covered:\n" + "\n".join(missing)


def test_all_sixteen_districts_and_five_new_towns_with_english_and_chinese_labels(graph):
    districts = set(graph.subjects(RDF.type, GWR.District))
    towns = set(graph.subjects(RDF.type, GWR.NewTown))
    assert len(districts) == 16 and len(towns) == 5
    for place in districts | towns:
        langs = {lab.language for lab in graph.objects(place, SKOS.prefLabel)}
        assert {"en", "zh"} <= langs, place


# Quantities the report gives a 2023 result and a 2024 goal for (read off the text).
PAIRS = [
    "gdp-growth", "rd-expenditure-share-of-gdp", "surveyed-urban-unemployment-rate", "cpi-growth",
    "general-public-budget-revenue-growth", "new-urban-jobs", "elderly-care-beds-added",
    "community-canteens-for-seniors-added", "rural-roads-upgraded", "overhead-cables-moved-underground",
    "elevators-installed-in-existing-buildings", "subsidized-rental-housing-units", "forest-land-added",
    "green-space-added", "urban-greenways-added", "vertical-greenery-added", "dilapidated-housing-renovated",
    "weak-framed-houses-retrofitted", "urban-village-projects-started", "ev-public-charging-piles-installed",
    "major-project-investment", "rainwater-storage-tanks-started", "business-environment-tasks",
    "cognitive-impairment-care-beds", "urban-builders-homes-beds", "beautiful-street-blocks-built",
    "affiliated-spaces-opened", "inefficient-construction-land-reduced", "community-childcare-places-added",
]


@pytest.mark.parametrize("slug", PAIRS)
def test_result_and_target_share_an_indicator(graph, slug):
    ind = IND[slug]
    roles = {(str(graph.value(f, GWR.role)).split("#")[1], str(graph.value(f, GWR.period)))
             for f in graph.subjects(GWR.indicator, ind)}
    assert ("achieved", "2023") in roles, f"{slug}: no 2023 result"
    assert ("target", "2024") in roles, f"{slug}: no 2024 target"


def test_parks_added_and_new_parks_to_build_are_related(graph):
    assert (IND["parks-added"], SKOS.related, IND["new-parks-to-build"]) in graph


def test_quote_offsets_point_at_the_quoted_words(built, graph):
    text = built.inputs.reports[0].text
    for q in graph.subjects(RDF.type, GWR.Quote):
        a, b = int(graph.value(q, OA.start)), int(graph.value(q, OA.end))
        assert normalise(text[a:b]) == str(graph.value(q, OA.exact))
