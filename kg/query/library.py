"""The library of named queries: the competency questions in ``kg/queries/*.rq``.

Each file starts with ``# title:``, ``# description:`` and ``# param: name = default`` comment
lines (:func:`parse_header`); :func:`list_queries` / :func:`get_query` read them, and
:func:`load_query` gives a query's text with its parameters substituted (:func:`substitute`):
a parameter appears in the query as ``$name`` and becomes an escaped literal, never raw pasted
text (``LCASE($name)`` becomes the lower-cased literal: entities are matched
case-insensitively through their ``kgv:nameKey``).  The small SPARQL lexer used for this
(:data:`_TOKENS`) also serves the keyword checks of :mod:`kg.query.check`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._resources import package_file
from ..rdf import name_key
from .errors import QueryError

QUERIES_DIR = package_file("queries")


# ---- the query library -------------------------------------------------------------------

@dataclass(frozen=True)
class QueryInfo:
    name: str
    title: str
    description: str
    params: dict[str, str]  # name -> default value
    path: Path
    text: str


_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*?)\s*$")


def parse_header(text: str) -> tuple[str, str, dict[str, str]]:
    """(title, description, params) from the leading ``# key: value`` comment lines."""
    title, desc, params = "", [], {}
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key == "title":
            title = value
        elif key == "description":
            desc.append(value)
        else:
            name, _, default = value.partition("=")
            params[name.strip()] = default.strip()
    return title, " ".join(desc), params


def query_info(path: str | Path) -> QueryInfo:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    title, desc, params = parse_header(text)
    return QueryInfo(path.stem, title, desc, params, path, text)


def list_queries() -> list[QueryInfo]:
    """The named queries of the library, sorted by name."""
    return [query_info(p) for p in sorted(QUERIES_DIR.glob("*.rq"))]


def get_query(name: str) -> QueryInfo:
    path = QUERIES_DIR / f"{name}.rq"
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", name) or not path.is_file():
        names = ", ".join(q.name for q in list_queries())
        raise QueryError(f"no query named {name!r}; the library has: {names}", kind="param")
    return query_info(path)


def load_query(name: str, **params: Any) -> str:
    """The text of library query ``name`` with its parameters substituted (defaults otherwise)."""
    info = get_query(name)
    return substitute(info.text, params, info.params, what=f"query {name!r}")


# a small SPARQL lexer: enough to skip comments, strings and IRIs safely
_TOKENS = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<lcase>(?i:\bLCASE)\s*\(\s*\$(?P<lname>[A-Za-z_][A-Za-z0-9_]*)\s*\))
      | (?P<param>\$(?P<pname>[A-Za-z_][A-Za-z0-9_]*))""",
    re.VERBOSE | re.DOTALL)


def sparql_literal(value: Any) -> str:
    """``value`` as a SPARQL string literal, every special character escaped."""
    s = str(value)
    out = (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
           .replace("\r", "\\r").replace("\t", "\\t").replace("\b", "\\b").replace("\f", "\\f"))
    return f'"{out}"'


def substitute(text: str, params: dict[str, Any], declared: dict[str, str],
               what: str = "the query") -> str:
    """Replace each ``$name`` of a declared parameter by its value as a safe literal.

    A parameter whose default is an integer takes integers only (rendered bare, for
    ``LIMIT $limit``); any other is rendered as an escaped string literal.  ``LCASE($name)``
    is folded into the lower-cased literal (what SPARQL would compute), so that it can stand
    where only a constant may, e.g. ``?e kgv:nameKey LCASE($entity)``: a constant in a triple
    pattern is an index lookup for both engines, where a FILTER over every label is a scan.
    """
    unknown = sorted(set(params) - set(declared))
    if unknown:
        takes = ", ".join(declared) or "no parameters"
        raise QueryError(f"unknown parameter(s) {', '.join(unknown)} for {what}; it takes: {takes}",
                         kind="param")
    values: dict[str, str] = {}
    lowered: dict[str, str] = {}
    for name, default in declared.items():
        value = params.get(name, default)
        if re.fullmatch(r"-?\d+", default or ""):
            if not re.fullmatch(r"\s*-?\d+\s*", str(value)):
                raise QueryError(f"parameter {name} must be an integer, got {value!r}", kind="param")
            values[name] = str(int(value))
        else:
            values[name] = sparql_literal(value)
            lowered[name] = sparql_literal(name_key(str(value)))

    def repl(m: re.Match) -> str:
        if m.group("lcase") and m.group("lname") in lowered:
            return lowered[m.group("lname")]
        if m.group("lcase") and m.group("lname") in values:
            return f"LCASE({values[m.group('lname')]})"
        if m.group("param") and m.group("pname") in values:
            return values[m.group("pname")]
        return m.group(0)

    return _TOKENS.sub(repl, text)
