"""The report's outline is derived from the text; expected counts are read off the report."""

from __future__ import annotations

from kg.provenance import SourceIndex
from kg.structure import parse_structure, split_sentences


def _by_kind(passages, kind):
    return [p for p in passages if p.kind == kind]


def test_parts_and_sections(source_text):
    ps = parse_structure(source_text)
    parts = _by_kind(ps, "part")
    assert [p.title for p in parts] == ["Review of the Government’s Work in 2023", "Major Tasks in 2024",
                                        "Building a Better Government in All Aspects"]
    sections = _by_kind(ps, "section")
    per_part = {n: sum(1 for s in sections if s.parent == f"part-{n}") for n in (1, 2, 3)}
    assert per_part == {1: 5, 2: 9, 3: 5}  # "1." to "5.", "1." to "9.", "1." to "5."
    titles = {s.path: s.title for s in sections}
    assert titles["part-3/section-1"] == "Keeping strong political commitment and loyalty."
    assert titles["part-2/section-7"] == "Further promoting green and low-carbon transformation and making Shanghai a beautiful city."


def test_three_footnotes_are_cut_out_of_their_paragraphs(source_text):
    ps = parse_structure(source_text)
    notes = _by_kind(ps, "footnote")
    assert [n.ordinal for n in notes] == [1, 2, 3]
    texts = {p.path: p.text(source_text) for p in ps if p.kind == "paragraph"}
    # footnote 1 interrupts "We have / further empowered governments"
    para = next(t for path, t in texts.items() if "notable advances in social governance" in t)
    assert "We have further empowered governments at the sub-district/town level" in para
    assert "Translator" not in para
    # footnote 2 sits between "grew to 1.288" and "million, the highest"
    para = next(t for t in texts.values() if "NEV stock" in t)
    assert "grew to 1.288 million, the highest among all the cities in the world." in para
    assert notes[1].text(source_text).endswith("Legally Required to Assist with\".")
    # footnote 3 runs over two lines, 2+2 and 3+6 then 4+5
    assert notes[2].text(source_text).endswith("future space and future materials.")


def test_main_targets_are_eight_paragraphs(source_text):
    ps = parse_structure(source_text)
    items = [p for p in ps if p.kind == "paragraph" and p.text(source_text).startswith(". ")]
    assert len(items) == 8
    assert items[0].text(source_text) == ". GDP growth rate of around 5%"


def test_sentence_split_keeps_stray_spaced_numbers():
    text = "The area was reduced by 15. 1 square kilometers. The pilot was rolled out."
    assert split_sentences(text) == ["The area was reduced by 15. 1 square kilometers.", "The pilot was rolled out."]


def test_quote_offsets_and_passage(source_text):
    ps = parse_structure(source_text)
    idx = SourceIndex(source_text, ps)
    loc = idx.find("The municipal GDP reached around 4.72 trillion yuan, a growth of 5%.")
    assert source_text[loc.start:loc.end] == "The municipal GDP reached around 4.72 trillion yuan, a growth of 5%."
    assert idx.passage_of(loc.start, loc.end).path == "part-1/paragraph-2"
    # a quote broken across a PDF line break is found with whitespace normalised
    loc = idx.find("members of the Shanghai Municipal Committee of the Chinese People’s Political Consultative Conference")
    assert loc is not None and "\n" in loc.exact
    # a quote that is not in the text
    assert idx.find("The municipal GDP reached 5 trillion yuan") is None
