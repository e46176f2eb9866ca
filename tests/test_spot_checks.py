"""Spot checks: one fact each, the expected answer read off the report's text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kg.namespaces import CUR, GWR, ID, IND, RDF, SKOS, UNIT
from kg.provenance import normalise

A, T = GWR.achieved, GWR.target
EXACT, ABOUT, AT_MOST, AT_LEAST = GWR.exact, GWR.approximately, GWR.atMost, GWR.atLeast

# (words of the quote, words of the stated form, value, unit, role, comparator)
FIGURES = [
    ("The municipal GDP reached around 4.72 trillion yuan", "4.72 trillion", "4720000000000", CUR.CNY, A, ABOUT),
    ("The municipal GDP reached around 4.72 trillion yuan, a growth of 5%", "5%", "5", UNIT.PERCENT, A, EXACT),
    ("The general public budget revenue went up by 9.3%", "9.3%", "9.3", UNIT.PERCENT, A, EXACT),
    ("The CPI rose by 0.3%", "0.3%", "0.3", UNIT.PERCENT, A, EXACT),
    ("The surveyed urban unemployment rate averaged 4.5%", "4.5%", "4.5", UNIT.PERCENT, A, EXACT),
    ("Paid-in FDI reached a new historical record of 24.09 billion US dollars", "24.09 billion", "24090000000", CUR.USD, A, EXACT),
    ("The turnover of financial markets grew by 15% to 3,373.6 trillion yuan", "3,373.6 trillion", "3373600000000000", CUR.CNY, A, EXACT),
    ("Per capita disposable income amounted to 85,000 yuan", "85,000", "85000", CUR.CNY, A, EXACT),
    ("up by 0.6 percentage points", "0.6 percentage points", "0.6", GWR.PercentagePoint, A, EXACT),
    ("The number of parks increased by 162 to 832 last year", "162", "162", UNIT.NUM, A, EXACT),
    ("The number of parks increased by 162 to 832 last year", "832", "832", UNIT.NUM, A, EXACT),
    ("Shanghai Port’s container throughput reached 49.158 million TEUs", "49.158 million", "49158000", GWR.TEU, A, EXACT),
    ("ranking the first globally for 14 consecutive years", "14 consecutive years", "14", GWR.Year, A, EXACT),
    ("Seven high-quality incubators were unveiled", "Seven", "7", UNIT.NUM, A, EXACT),
    ("Technology contracts reached 485.02 billion yuan in value", "485.02 billion", "485020000000", CUR.CNY, A, EXACT),
    ("the number of high-tech companies exceeded 24,000", "24,000", "24000", UNIT.NUM, A, AT_LEAST),
    ("Another 47 licensed financial institutions were added, making the total to 1,771", "1,771", "1771", UNIT.NUM, A, EXACT),
    ("cumulative intended transaction value of 78.41 billion US dollars", "78.41 billion", "78410000000", CUR.USD, A, EXACT),
    ("The area of inefficiently-used construction land was reduced by 15. 1 square kilometers", "15. 1", "15.1", UNIT.KiloM2, A, EXACT),
    ("all five planned municipal general hospitals", "five", "5", UNIT.NUM, A, EXACT),
    ("We added 5,510 elderly care beds", "5,510", "5510", UNIT.NUM, A, EXACT),
    ("606,000 new jobs were created", "606,000", "606000", UNIT.NUM, A, EXACT),
    ("3,001 elevators were installed in existing multi-storey residential buildings", "3,001", "3001", UNIT.NUM, A, EXACT),
    ("A total of 112 kilometers of overhead cables were moved underground", "112", "112", UNIT.KiloM, A, EXACT),
    ("An additional 946,000 kilowatts of photovoltaic power were installed", "946,000", "946000", UNIT.KiloW, A, EXACT),
    ("We have added over 67,000 mu of forestland", "67,000", "67000", GWR.Mu, A, AT_LEAST),
    ("1,044 hectares of green space", "1,044", "1044", UNIT.HA, A, EXACT),
    ("fulfilled 208 tasks outlined in the sixth version of the business environment improvement policies", "208", "208", UNIT.NUM, A, EXACT),
    ("1,904 new businesses were set up daily, up by 28. 1%", "28. 1%", "28.1", UNIT.PERCENT, A, EXACT),
    ("GDP growth rate of around 5%", "5%", "5", UNIT.PERCENT, T, ABOUT),
    ("Surveyed urban unemployment rate kept within 5%", "5%", "5", UNIT.PERCENT, T, AT_MOST),
    ("Overall R&D expenditure making up about 4.5% of the city’s GDP", "4.5%", "4.5", UNIT.PERCENT, T, ABOUT),
    ("A target CPI of about 3%", "3%", "3", UNIT.PERCENT, T, ABOUT),
    ("Our goal is to create more than 550,000 new urban jobs", "550,000", "550000", UNIT.NUM, T, AT_LEAST),
    ("add 4,000 beds in elderly care institutions", "4,000", "4000", UNIT.NUM, T, EXACT),
    ("install 3,000 elevators in existing multi-storey residences", "3,000", "3000", UNIT.NUM, T, EXACT),
    ("offer 70,000 units (rooms) of subsidized rental housing", "70,000", "70000", UNIT.NUM, T, EXACT),
    ("A total of 130 kilometers of overhead cables will be placed underground", "130", "130", UNIT.KiloM, T, EXACT),
    ("10 million square meters of space will be created for smart manufacturing activities", "10 million", "10000000", UNIT.M2, T, EXACT),
    ("construction of major projects with investments of 230 billion yuan this year", "230 billion", "230000000000", CUR.CNY, T, EXACT),
    ("we will implement another 150 tasks and measures in business environment reform", "150", "150", UNIT.NUM, T, EXACT),
]


def _figure(graph, quote_words: str, form_words: str):
    matches = [f for f in graph.subjects(RDF.type, GWR.Figure)
               if quote_words in normalise(str(graph.value(f, GWR.evidence)))
               and form_words in str(graph.value(f, GWR.statedForm))]
    assert len(matches) == 1, f"{len(matches)} figures for {quote_words!r} / {form_words!r}: {matches}"
    return matches[0]


@pytest.mark.parametrize("quote,form,value,unit,role,comparator", FIGURES,
                         ids=[f"{q[:40]}|{f}" for q, f, *_ in FIGURES])
def test_figure(graph, quote, form, value, unit, role, comparator):
    f = _figure(graph, quote, form)
    assert Decimal(str(graph.value(f, GWR.value))) == Decimal(value)
    assert graph.value(f, GWR.unit) == unit
    assert graph.value(f, GWR.role) == role
    assert graph.value(f, GWR.comparator) == comparator
    assert str(graph.value(f, GWR.period)) == ("2023" if role == A else "2024")
    assert graph.value(f, GWR.area) == ID.shanghai


def test_result_and_target_of_elderly_care_beds_share_the_indicator(graph):
    beds_2023 = _figure(graph, "We added 5,510 elderly care beds", "5,510")
    beds_2024 = _figure(graph, "add 4,000 beds in elderly care institutions", "4,000")
    assert graph.value(beds_2023, GWR.indicator) == graph.value(beds_2024, GWR.indicator) == IND["elderly-care-beds-added"]


def test_the_eight_main_targets(graph):
    mains = {normalise(str(graph.value(f, GWR.evidence))) for f in graph.subjects(GWR.isMainTarget, None)
             if graph.value(f, GWR.isMainTarget).toPython() is True}
    assert mains == {
        "GDP growth rate of around 5%",
        "An increase of 5% in the revenue of the general budget",
        "Overall R&D expenditure making up about 4.5% of the city’s GDP",
        "Surveyed urban unemployment rate kept within 5%",
        "Household income increase in keeping with GDP growth",
        "A target CPI of about 3%",
        "Further reduction in energy intensity and CO2 intensity",
        "Reduction in major pollutants from key projects reaching national targets",
    }
    qualitative = {normalise(str(graph.value(f, GWR.evidence))) for f in graph.subjects(RDF.type, GWR.QualitativeTarget)}
    assert "Household income increase in keeping with GDP growth" in qualitative
    assert "Reduction in major pollutants from key projects reaching national targets" in qualitative


def _label(graph, node, lang="en"):
    return next(str(l) for l in graph.objects(node, SKOS.prefLabel) if l.language == lang)


def test_chinese_label_of_pudong_new_area(graph):
    assert _label(graph, ID["pudong-new-area"], "zh") == "浦东新区"


def test_the_five_centers(graph):
    centers = set(graph.subjects(RDF.type, GWR.Center))
    assert {_label(graph, c) for c in centers} == {
        "international economic center", "international financial center", "international trade center",
        "international shipping center", "international sci-tech innovation center"}
    assert {_label(graph, c, "zh") for c in centers} == {"国际经济中心", "国际金融中心", "国际贸易中心", "国际航运中心", "国际科技创新中心"}


def _by_label(graph, text: str):
    hits = [e for e in graph.subjects(RDF.type, GWR.Entity)
            if any(str(l) == text for p in (SKOS.prefLabel, SKOS.altLabel) for l in graph.objects(e, p))]
    assert len(hits) == 1, f"{text!r}: {hits}"
    return hits[0]


def test_metro_line_19_started_in_2023(graph):
    line = _by_label(graph, "Metro Line 19")
    assert graph.value(line, GWR.projectKind) == GWR.metroLine
    assert graph.value(line, GWR.status) == GWR.started


def test_the_24_measures_to_promote_investment(graph):
    package = next(p for p in graph.subjects(RDF.type, GWR.MeasurePackage) if graph.value(p, GWR.measureCount) is not None
                   and int(graph.value(p, GWR.measureCount)) == 24)
    assert "to promote investment" in str(graph.value(package, GWR.purpose))


def test_general_plan_includes_80_policy_measures(graph):
    counts = {int(graph.value(p, GWR.measureCount)) for p in graph.subjects(RDF.type, GWR.MeasurePackage)}
    assert {15, 24, 21, 20, 28, 80, 33} <= counts


def test_the_three_leading_industries_are_ic_biomedicine_and_ai(graph):
    group = _by_label(graph, "three leading industries")
    members = {_label(graph, i) for i in graph.subjects(GWR.memberOf, group)}
    assert len(members) == 3
    joined = " ".join(members).lower()
    assert "integrated circuit" in joined and "biomedicine" in joined and "artificial intelligence" in joined


def test_five_industries_of_the_future(graph):
    group = _by_label(graph, "five industries of the future")
    members = {_label(graph, i).lower() for i in graph.subjects(GWR.memberOf, group)}
    assert members == {"future health", "future intelligence", "future energy", "future space", "future materials"}


def test_lingang_special_area_lies_in_pudong(graph):
    lingang = _by_label(graph, "Lingang Special Area")
    ancestors = set(graph.transitive_objects(lingang, GWR.partOf))
    assert ID["pudong-new-area"] in ancestors and ID.shanghai in ancestors


def test_every_paragraph_of_parts_2_and_3_is_a_commitment_except_salutations_and_target_items(graph):
    paragraphs = [p for p in graph.subjects(RDF.type, GWR.Paragraph)
                  if str(p).split("shanghai-2024/")[1].startswith(("part-2", "part-3"))]
    committed = set(graph.objects(None, GWR.passage))
    left = sorted(str(graph.value(p, GWR.text)) for p in paragraphs if p not in committed)
    headings = ["5. Taking more solid steps to further stimulate the enterprising spirit of officials."] + [
        f"Accelerating the development of Shanghai as an international {c} center." for c in ("economic", "financial", "shipping")]
    targets = [t for t in left if t.startswith(". ")]
    assert len(targets) == 8
    assert sorted(set(left) - set(targets)) == sorted(headings + ["Fellow deputies:"])


def test_commitment_on_elderly_care_holds_its_figures(graph):
    c = next(c for c in graph.subjects(RDF.type, GWR.Commitment)
             if str(graph.value(c, GWR.headline)) == "Elderly and child care services will be improved.")
    forms = {str(graph.value(f, GWR.statedForm)) for f in graph.objects(c, GWR.hasFigure)}
    assert any("4,000" in f for f in forms) and any("3,000" in f for f in forms)
