"""Each data file parses on its own, and has no problem in the validated whole graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.sources import parse_turtle

ROOT = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(ROOT.glob("data/*/*.ttl"))
IDS = [str(p.relative_to(ROOT)) for p in DATA_FILES]


@pytest.mark.parametrize("path", DATA_FILES, ids=IDS)
def test_parses_on_its_own(path):
    assert len(parse_turtle(path)) > 0


@pytest.mark.parametrize("path", DATA_FILES, ids=IDS)
def test_conforms(path, validation):
    rel = str(path.relative_to(ROOT))
    mine = [p.line() for p in validation.problems if p.file == rel]
    assert not mine, "\n".join(mine)


def test_whole_graph_conforms(validation):
    assert validation.conforms, "\n".join(p.line() for p in validation.problems[:50])


def test_source_copy_is_byte_identical_to_the_description(built):
    import hashlib

    for report in built.inputs.reports:
        digest = hashlib.sha256(report.text_path.read_bytes()).hexdigest()
        assert digest == "d5674822e4438938b268c9b8cc96ab99bd026e2ce5f1202d7fb5c91cb642e488"
