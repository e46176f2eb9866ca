"""Shared fixtures: the repository, a built graph (once per session), a scratch project."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parents[1]
SOURCE_TEXT = ROOT / "data" / "sources" / "shanghai-2024.txt"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def source_text() -> str:
    return SOURCE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def built() -> kg.KnowledgeGraph:
    """The repository's graph, derived once for the whole session."""
    return kg.build_graph(ROOT)


@pytest.fixture(scope="session")
def graph(built):
    """The union graph (ontology and every report) as one rdflib Graph."""
    return built.union()


@pytest.fixture(scope="session")
def validation(built, graph):
    return built.validate(graph)


@pytest.fixture
def project(tmp_path) -> Path:
    """A scratch copy of the project's inputs that a test may break."""
    dest = tmp_path / "project"
    shutil.copytree(ROOT / "ontology", dest / "ontology")
    shutil.copytree(ROOT / "data", dest / "data", ignore=shutil.ignore_patterns("README.md"))
    return dest


def run_kg(*args: str, cwd: Path | None = None, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the `kg` command as a user does (the installed entry point)."""
    exe = shutil.which("kg")
    cmd = [exe] if exe else [sys.executable, "-m", "kg.cli"]
    return subprocess.run(cmd + list(args), cwd=cwd, capture_output=True, input=input, timeout=300)
