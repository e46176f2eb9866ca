"""SPARQL text read as tokens, for the few edits and checks made on query text itself: which
variables a query uses, where its groups start, whether it names a graph."""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(
    r'(?P<comment>\#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<open>\{)|(?P<close>\})'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)'
    r'|(?P<other>.)', re.S)


def tokens(text: str):
    """(kind, match) for each token of the text, every character in one: comment, string, iri,
    open, close, word or other."""
    for m in _TOKEN_RE.finditer(text):
        yield m.lastgroup, m


def strip_comments_and_strings(text: str) -> str:
    """The text with comments, strings and IRIs blanked out; every offset stays where it was."""
    return "".join(" " * len(m.group(0)) if kind in ("comment", "string", "iri") else m.group(0)
                   for kind, m in tokens(text))
