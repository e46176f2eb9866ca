"""rdflib terms from pyoxigraph's, and back: for Oxigraph's answers (`from_ox`, numbers in the
one form every engine answers in) and for Turtle parsed by Oxigraph (`parsed_term`, literals
exactly as rdflib's own parser makes them).

Making rdflib terms is most of the time of a big answer that is not Oxigraph's own, and
rdflib's constructors re-check what Oxigraph has checked already (that an IRI is valid, a
language tag well formed, a number a number). IRIs, strings, decimals and integers are built
as those constructors build them, without the checks: the same objects, equal and hashed
alike. `fast_terms_agree` makes sure of that for the installed rdflib at import; where it
does not, the constructors are used.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from .errors import InputError, UsageError

_XSD_STRING = str(XSD.string)
_XSD_DECIMAL, _XSD_INTEGER = XSD.decimal, XSD.integer


def to_ox(term):
    """The pyoxigraph term of an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise UsageError(f"cannot bind {term!r}: not an RDF term")


def from_ox(term):
    """The rdflib term of a pyoxigraph term, a number or boolean in the one form every engine
    answers in (`canonical`). A simple literal has no datatype in rdflib."""
    if term is None:
        return None
    return _rdflib_term(term, _answered)


def parsed_term(term):
    """The rdflib term of a term Oxigraph's parser read: what rdflib's parser would make of the
    same text (typed literals by rdflib's constructor, which may normalise them), except
    that Oxigraph writes language tags in lower case."""
    return _rdflib_term(term, _as_written)


def _rdflib_term(term, typed):
    """IRIs, blank nodes and strings as rdflib makes them; other literals by `typed`."""
    kind = type(term)
    if kind is ox.NamedNode:
        return _iri(term.value)
    if kind is ox.Literal:
        language = term.language
        if language:
            return _string(term.value, language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return _string(term.value, None)
        return typed(term.value, dt)
    if kind is ox.BlankNode:
        return BNode(term.value)
    raise InputError(f"unsupported term: {term!r}")  # RDF-star triples


def _answered(lexical: str, datatype: str) -> Literal:
    number = _NUMBERS.get(datatype)
    return number(lexical) if number is not None else _typed(lexical, datatype)


def _as_written(lexical: str, datatype: str) -> Literal:
    return Literal(lexical, datatype=_datatype(datatype))


_new_str = str.__new__


def _fast_iri(value: str) -> URIRef:
    return _new_str(URIRef, value)


def _fast_string(lexical: str, language: str | None) -> Literal:
    inst = _new_str(Literal, lexical)
    inst._language = language
    inst._datatype = None
    inst._value = lexical
    inst._ill_typed = None
    return inst


def _fast_number(lexical: str, datatype: URIRef, to_python) -> Literal:
    """A decimal or integer in canonical form (Oxigraph's are valid: it has parsed them)."""
    text = _canonical_lexical(lexical, datatype)
    if text is None:  # not finite, or not a number after all: the constructors decide
        return canonical(Literal(lexical, datatype=datatype))
    inst = _new_str(Literal, text)
    inst._language = None
    inst._datatype = datatype
    inst._value = to_python(text)
    inst._ill_typed = False
    return inst


def _fast_decimal(lexical: str) -> Literal:
    return _fast_number(lexical, _XSD_DECIMAL, Decimal)


def _fast_integer(lexical: str) -> Literal:
    return _fast_number(lexical, _XSD_INTEGER, int)


def _same_term(fast, slow) -> bool:
    if fast != slow or hash(fast) != hash(slow) or fast.n3() != slow.n3() or fast.__reduce__() != slow.__reduce__():
        return False
    if isinstance(slow, Literal):
        return ((fast.value, fast.language, fast.datatype, fast.ill_typed) == (slow.value, slow.language, slow.datatype, slow.ill_typed)
                and type(fast.value) is type(slow.value) and repr(fast.value) == repr(slow.value))
    return True


def fast_terms_agree() -> bool:
    """Whether the terms built without the constructors are the constructors' own."""
    strings = [("上海 \"quoted\"\n", None), ("Pudong", "en"), ("浦东", "zh-hans"), ("", None)]
    decimals = ["5", "5.0", "-0.5", "0", "-0", "4720000000000", "0.0001", "12.50"]
    integers = ["0", "7", "-12", "4720000000000"]
    try:
        return (all(_same_term(_fast_string(lex, lang), Literal(lex, lang=lang)) for lex, lang in strings)
                and all(_same_term(_fast_decimal(lex), canonical(Literal(lex, datatype=_XSD_DECIMAL))) for lex in decimals)
                and all(_same_term(_fast_integer(lex), canonical(Literal(lex, datatype=_XSD_INTEGER))) for lex in integers)
                and _same_term(_fast_iri("https://w3id.org/gwr/id/pudong"), URIRef("https://w3id.org/gwr/id/pudong")))
    except Exception:  # an rdflib whose Literal has other slots
        return False


@lru_cache(maxsize=256)
def _typed(lexical: str, datatype: str) -> Literal:
    """Any other typed literal in an answer, by the constructor (a year, a date: few distinct values)."""
    return canonical(Literal(lexical, datatype=_datatype(datatype)))


@lru_cache(maxsize=256)
def _datatype(iri: str) -> URIRef:
    return URIRef(iri)


# Oxigraph stores numbers by value and answers with their canonical form ("5.0" comes back
# as "5"), rdflib as they were written. Every engine's answers are put in one form, the
# data's own: decimals with a decimal point ("5.0", "4720000000000.0"), integers without
# leading zeros, booleans as true/false, doubles as Python writes them ("5.0", "1e+20").
_INTEGER_TYPES = {XSD[t] for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                    "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}


def canonical(term):
    """`term` with a number or boolean literal in the one lexical form all engines answer in."""
    if not isinstance(term, Literal) or term.datatype is None:
        return term
    text, dt = str(term), term.datatype
    out = _canonical_lexical(text, dt)
    return term if out is None or out == text else Literal(out, datatype=dt)


def _canonical_lexical(text: str, dt: URIRef) -> str | None:
    """The canonical form of a number or boolean's lexical `text`; None for another datatype
    or an ill-typed literal, which stays as written."""
    try:
        if dt == XSD.decimal:
            d = Decimal(text)
            if not d.is_finite():
                return None
            out = format(d.normalize(), "f")
            if "." not in out:
                out += ".0"
            if out.lstrip("-") in ("0.0", "0"):
                out = "0.0"
        elif dt in _INTEGER_TYPES:
            out = str(int(text))
        elif dt in (XSD.double, XSD.float):
            f = float(text)
            out = "INF" if f == float("inf") else "-INF" if f == float("-inf") else "NaN" if f != f else repr(f)
        elif dt == XSD.boolean:
            out = {"1": "true", "0": "false"}.get(text.strip(), text.strip())
        else:
            return None
    except (ValueError, ArithmeticError):
        return None
    return out


if fast_terms_agree():
    _iri, _string = _fast_iri, _fast_string
    _NUMBERS = {str(_XSD_DECIMAL): _fast_decimal, str(_XSD_INTEGER): _fast_integer}
else:  # pragma: no cover - another rdflib
    _iri, _NUMBERS = URIRef, {}

    def _string(lexical: str, language: str | None) -> Literal:
        return Literal(lexical, lang=language)
