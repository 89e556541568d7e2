"""SPARQL over the RDF export: a library of named queries, two engines, bounded execution.

* :func:`list_queries` / :func:`load_query`: the competency questions in ``kg/queries/*.rq``.
  Each file starts with ``# title:``, ``# description:`` and ``# param: name = default``
  comment lines; a parameter appears in the query as ``$name`` and is substituted as an
  escaped literal, never by pasting raw text (``LCASE($name)`` becomes the lower-cased
  literal: entities are matched case-insensitively through their ``kgv:nameKey``).
* :func:`run_query`: runs a query on a graph file (``.ttl``, ``.nt``, ``.jsonld``, or an export
  directory) with **pyoxigraph** (default, fast) or **rdflib** (reference), and returns a
  :class:`QueryResult` (columns and rows of :class:`Term`, a boolean, or triples).  With a
  ``timeout`` the query runs in a worker process that is killed when the time is up
  (:class:`QueryTimeout`); a malformed query raises :class:`QueryError` with the parser's
  message, line and column.
* :class:`QueryService`: a pool of such workers holding the graph loaded, for ``kg serve``;
  :class:`UpstreamService`: the same checks in front of an existing SPARQL server.
* :func:`write_store` / :func:`load_store` / :func:`find_store`: the on-disk pyoxigraph store
  of an export folder (``graph.oxigraph``), which ``run_query`` and ``QueryService`` open
  read-only for an export folder instead of parsing its graph file.
* ``to_table`` / ``to_csv`` / ``to_tsv`` / ``to_json`` / ``to_xml`` / ``to_ntriples`` /
  ``to_turtle``: SPARQL 1.1 result formats.
"""
from __future__ import annotations

import csv
import io
import json
import os
import pickle
import queue
import re
import select
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape, quoteattr as _xml_quoteattr

from .rdf import PREFIXES, XSD, name_key

QUERIES_DIR = Path(__file__).with_name("queries")
ENGINES = ("oxigraph", "rdflib")
FORMATS = ("table", "csv", "tsv", "json", "xml")
_XSD_STRING = XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_GRAPH_FILES = ("graph.nt", "graph.ttl", "graph.jsonld")


# ---- errors ----------------------------------------------------------------------------

class QueryError(Exception):
    """A query that cannot run: bad syntax (with line and column), refused, failed, timed out.

    ``kind`` is one of ``syntax``, ``param``, ``update``, ``forbidden`` (SERVICE, FROM),
    ``limit`` (nested too deep), ``evaluation``, ``load``, ``timeout``, ``memory`` (past the
    worker's memory bound, or the worker crashed), ``busy``, ``upstream`` (the SPARQL server
    of ``kg serve --upstream`` cannot be reached or failed).
    """

    def __init__(self, message: str, kind: str = "evaluation", line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message, self.kind, self.line, self.column = message, kind, line, column

    def __reduce__(self):
        return (type(self), (self.message, self.kind, self.line, self.column))

    def __str__(self) -> str:
        if self.kind == "syntax" and self.line is not None:
            return f"syntax error at line {self.line}, column {self.column}: {self.message}"
        if self.line is not None:
            return f"line {self.line}, column {self.column}: {self.message}"
        return self.message


class QueryTimeout(QueryError):
    def __init__(self, message: str, kind: str = "timeout", line=None, column=None):
        super().__init__(message, kind, line, column)


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


def _skeleton(sparql: str) -> str:
    """The query with comments removed and strings / IRIs blanked (for keyword checks)."""
    def repl(m: re.Match) -> str:
        if m.group("comment"):
            return " "
        if m.group("string"):
            return '""'
        if m.group("iri"):
            return "<>"
        return m.group(0)
    return _TOKENS.sub(repl, sparql)


_PROLOGUE = re.compile(r"\s*(?:(?:BASE\s*<>|PREFIX\s+[^\s:]*:\s*<>)\s*)*", re.IGNORECASE)
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def query_form(sparql: str) -> str:
    """The first keyword after the prologue, upper-cased (SELECT, ASK, INSERT ...)."""
    sk = _skeleton(sparql)
    m = _PROLOGUE.match(sk)
    rest = sk[m.end():] if m else sk
    m2 = re.match(r"\s*([A-Za-z]+)", rest)
    return m2.group(1).upper() if m2 else ""


def is_update(sparql: str) -> bool:
    """True for SPARQL Update requests (INSERT, DELETE, LOAD, CLEAR, DROP ...)."""
    return query_form(sparql) in UPDATE_KEYWORDS


def check_read_only(sparql: str) -> None:
    """Raise :class:`QueryError` unless ``sparql`` is a query that is safe to run here.

    The full check of :func:`check_query` (a real parse): updates (kind ``update``),
    SERVICE / FROM / FROM NAMED (kind ``forbidden``) and over-deep nesting (kind ``limit``)
    are refused.
    """
    check_query(sparql)


# ---- the safety check ------------------------------------------------------------------------
#
# What may run is decided on a real parse of the query, never on its text: rdflib's SPARQL 1.1
# parser (run without its own \u pre-processing, on the text decoded here once) gives the
# parse tree and the algebra that are walked for SERVICE and FROM, whatever engine then runs
# the query.  The engine is given exactly the text that was checked (oxigraph), or the checked
# algebra itself (rdflib), so that the check and the execution cannot read the query apart; a
# query that rdflib's parser does not accept does not run on either engine.  Before any parser
# sees the text, its bracket depth is bounded (a parser recurses on nesting: oxigraph's crashes
# the process at a few thousand levels, rdflib's raises RecursionError much earlier).

MAX_DEPTH = 200  # brackets, braces and parentheses, nested
_FRAMES_PER_LEVEL = 60  # Python frames rdflib's parser spends per nesting level (at most ~45 seen)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEX = re.compile(
    r"""(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                  |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<comment>\#[^\n\r]*)
      | (?P<esc>\\.)
      | (?P<open>[(\[{])
      | (?P<close>[)\]}])""",
    re.VERBOSE | re.DOTALL)
# SERVICE as a keyword (not ?service, ex:service ...), followed by what a SERVICE clause takes
_SERVICE_WORD = re.compile(r"(?<![\w:?$.\-\\])SERVICE(?:\s+SILENT)?\s*(?:<|\?|\$|[\w.\-]*:)",
                           re.IGNORECASE)
_PARSE_LOCK = threading.Lock()
_UPDATE_OPS = ("Load", "InsertData", "DeleteData", "Modify", "DeleteWhere", "Clear", "Drop",
               "Create", "Add", "Move", "Copy")


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed :func:`check_query`.

    ``text``: the query with its ``\\u`` escapes decoded (what the engine is given);
    ``form``: SELECT, ASK, CONSTRUCT or DESCRIBE; ``prepared``: rdflib's translated query.
    """

    text: str
    form: str
    prepared: Any = field(repr=False, compare=False, default=None)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def decode_escapes(sparql: str) -> str:
    """``sparql`` with its ``\\uXXXX`` / ``\\UXXXXXXXX`` escapes decoded.

    SPARQL 1.1 (section 19.2) processes these escapes before parsing, anywhere in the text,
    keywords included, so that every check must look at the decoded text.
    """
    def repl(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0:
            line, col = _position(sparql, m.start())
            raise QueryError(f"{m.group(0)} is not an allowed Unicode code point", "syntax",
                             line, col)
        return chr(code)

    return _ESCAPE.sub(repl, sparql)


def nesting_depth(text: str, limit: int | None = None) -> int:
    """The deepest nesting of ``( [ {`` in ``text``, outside strings and comments.

    A bracket inside ``<...>`` counts too when that is deeper (``?a<(?b>`` may be an IRI or a
    comparison, depending on who reads it).  With ``limit``, raises :class:`QueryError`
    (kind ``limit``, with line and column) at the first bracket past it.
    """
    depth = deepest = 0

    def over(offset: int) -> QueryError:
        line, col = _position(text, offset)
        return QueryError(f"the query nests brackets, braces and parentheses more than {limit} "
                          "deep; write it flatter", "limit", line, col)

    for m in _LEX.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if limit is not None and depth > limit:
                raise over(m.start())
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "iri":
            d = depth
            for i, ch in enumerate(m.group(0)):
                if ch in "([":
                    d += 1
                    deepest = max(deepest, d)
                    if limit is not None and d > limit:
                        raise over(m.start() + i)
                elif ch in ")]":
                    d = max(0, d - 1)
            depth = max(depth, d)
        deepest = max(deepest, depth)
    return deepest


def precheck(sparql: str, max_depth: int = MAX_DEPTH) -> str:
    """The cheap part of :func:`check_query`: decode escapes, bound the depth, refuse updates.

    Returns the decoded text.  Runs no parser, so it is safe on any input.
    """
    if not isinstance(sparql, str):
        raise QueryError("a query is a string", kind="param")
    # one line-end convention for every reader: rdflib ends a # comment at LF only, oxigraph
    # (as the grammar says) at CR too, so a lone CR could hide a clause from one of them
    text = decode_escapes(sparql).replace("\r\n", "\n").replace("\r", "\n")
    m = _ESCAPE.search(text)
    if m:
        line, col = _position(text, m.start())
        raise QueryError("a \\u escape that decodes to another \\u escape is ambiguous: "
                         "write the character itself", "forbidden", line, col)
    nesting_depth(text, max_depth)
    if is_update(text):
        raise QueryError("SPARQL Update is not allowed: this graph is read-only", kind="update")
    return text


def _walk(tree: Any):
    """Every CompValue of an rdflib parse tree or algebra (iteratively: trees can be deep)."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())


def _refuse_remote(tree: Any) -> None:
    """Raise for SERVICE, FROM / FROM NAMED or an update operation anywhere in ``tree``."""
    for node in _walk(tree):
        name = node.name or ""
        if name == "ServiceGraphPattern":
            raise QueryError("SERVICE (federated query) is not allowed: queries run on the "
                             "local graph only", kind="forbidden")
        if name in ("DatasetClause", "DefaultGraphClause", "NamedGraphClause") or (
                "datasetClause" in node and OrderedDict.get(node, "datasetClause")):
            raise QueryError("FROM / FROM NAMED are not allowed: queries run on the one local "
                             "graph, and no graph is ever fetched", kind="forbidden")
        if name in _UPDATE_OPS:
            raise QueryError("SPARQL Update is not allowed: this graph is read-only", kind="update")


def check_query(sparql: str, max_depth: int = MAX_DEPTH) -> CheckedQuery:
    """Decide, on a real parse, whether ``sparql`` may run; raise :class:`QueryError` if not.

    Refused: SPARQL Update (kind ``update``); SERVICE, by IRI or by variable, and FROM / FROM
    NAMED (kind ``forbidden``: nothing outside the local graph is ever contacted); nesting
    deeper than ``max_depth`` (kind ``limit``, checked before any parser runs); and anything
    rdflib's SPARQL 1.1 parser does not accept (kind ``syntax``, with line and column).
    ``\\u`` escapes are decoded first, as the SPARQL grammar requires.
    """
    text = precheck(sparql, max_depth)
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser as rparser
    from rdflib.plugins.sparql.algebra import translateQuery

    # enough Python frames for max_depth levels of any construct: the depth check above bounds
    # what the parser can be asked to do, so this cannot run away (and frames live on the heap)
    need = _FRAMES_PER_LEVEL * max(max_depth, 1) + 2_000
    try:
        with _PARSE_LOCK:
            old = sys.getrecursionlimit()
            sys.setrecursionlimit(max(old, need))
            try:
                try:
                    tree = rparser.Query.parse_string(text, parse_all=True)
                except ParseException as e:
                    try:  # an update the keyword check did not see is still an update
                        rparser.UpdateUnit.parse_string(text, parse_all=True)
                    except Exception:
                        raise e from None
                    raise QueryError("SPARQL Update is not allowed: this graph is read-only",
                                     kind="update") from None
                _refuse_remote(tree)
                prepared = translateQuery(tree, None, {})
                _refuse_remote(prepared.algebra)
            finally:
                sys.setrecursionlimit(old)
    except QueryError:
        raise
    except ParseException as e:
        raise _syntax_error(e, "rdflib") from None
    except RecursionError:
        raise QueryError(f"the query is nested too deeply to parse (limit {max_depth} levels)",
                         kind="limit") from None
    except MemoryError:
        raise
    except Exception as e:  # translateQuery's semantic errors (a variable bound twice ...)
        raise QueryError(f"{type(e).__name__}: {' '.join(str(e).split())}", kind="syntax") from None
    # a second, independent net for the engine that is given the text: SERVICE as a keyword
    # anywhere outside string literals (comments included) is refused, whatever the parse said
    blanked = _LEX.sub(lambda m: '""' if m.group("string") else m.group(0), text)
    m = _SERVICE_WORD.search(blanked)
    if m:
        line, col = _position(blanked, m.start())
        raise QueryError("SERVICE (federated query) is not allowed: queries run on the local "
                         "graph only", "forbidden", line, col)
    form = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
            "DescribeQuery": "DESCRIBE"}.get(getattr(tree[-1], "name", ""), "SELECT")
    prepared._original_args = (text, {}, None)
    return CheckedQuery(text, form, prepared)


# ---- results ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """An RDF term of a result: ``kind`` is ``uri``, ``literal`` or ``bnode``."""

    kind: str
    value: str
    datatype: str | None = None  # None for a simple (xsd:string) or language-tagged literal
    lang: str | None = None

    def __str__(self) -> str:
        return self.value

    def n3(self) -> str:
        """N-Triples form."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        body = ('"' + self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                .replace("\r", "\\r") + '"')
        if self.lang:
            return f"{body}@{self.lang}"
        return f"{body}^^<{self.datatype}>" if self.datatype else body

    def to_json(self) -> dict[str, str]:
        d = {"type": self.kind, "value": self.value}
        if self.lang:
            d["xml:lang"] = self.lang
        elif self.datatype:
            d["datatype"] = self.datatype
        return d

    def python(self) -> Any:
        """The value as Python: int / float for numeric literals, else the string."""
        if self.kind == "literal" and self.datatype:
            local = self.datatype.rsplit("#", 1)[-1]
            try:
                if local in ("integer", "int", "long", "short", "nonNegativeInteger",
                             "positiveInteger"):
                    return int(self.value)
                if local in ("decimal", "double", "float"):
                    return float(self.value)
            except ValueError:
                pass
        return self.value

    def short(self) -> str:
        """Compact form for tables: prefixed IRIs, plain literal values."""
        if self.kind == "uri":
            for prefix, ns in PREFIXES.items():
                if self.value.startswith(ns) and len(self.value) > len(ns):
                    return f"{prefix}:{self.value[len(ns):]}"
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        return self.value


Row = tuple  # of Term | None


@dataclass
class QueryResult:
    """What a query returned: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples."""

    kind: str  # "select" | "ask" | "graph"
    columns: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)
    truncated: bool = False
    elapsed: float = 0.0

    def __len__(self) -> int:
        return len(self.triples) if self.kind == "graph" else len(self.rows)

    def values(self) -> list[tuple]:
        """Rows as tuples of Python values (None for unbound)."""
        return [tuple(None if t is None else t.python() for t in r) for r in self.rows]

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [None if r[i] is None else r[i].python() for r in self.rows]

    def dicts(self) -> list[dict[str, Any]]:
        return [{c: (None if t is None else t.python()) for c, t in zip(self.columns, r)}
                for r in self.rows]

    # -- formats --
    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON (SELECT / ASK)."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)})
        if self.kind == "graph":
            raise QueryError("a CONSTRUCT/DESCRIBE result is a graph: use N-Triples or Turtle",
                             kind="param")
        bindings = [{c: t.to_json() for c, t in zip(self.columns, r) if t is not None}
                    for r in self.rows]
        return json.dumps({"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}},
                          ensure_ascii=False)

    def to_xml(self) -> str:
        """SPARQL Query Results XML Format."""
        out = ['<?xml version="1.0"?>',
               '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
        if self.kind == "graph":
            raise QueryError("a CONSTRUCT/DESCRIBE result is a graph: use N-Triples or Turtle",
                             kind="param")
        for c in self.columns if self.kind == "select" else []:
            out.append(f"    <variable name={_xml_quoteattr(c)}/>")
        out.append("  </head>")
        if self.kind == "ask":
            out.append(f"  <boolean>{'true' if self.boolean else 'false'}</boolean>")
        else:
            out.append("  <results>")
            for r in self.rows:
                out.append("    <result>")
                for c, t in zip(self.columns, r):
                    if t is None:
                        continue
                    v = _xml_text(t.value)
                    if t.kind == "uri":
                        inner = f"<uri>{v}</uri>"
                    elif t.kind == "bnode":
                        inner = f"<bnode>{v}</bnode>"
                    elif t.lang:
                        inner = f"<literal xml:lang={_xml_quoteattr(t.lang)}>{v}</literal>"
                    elif t.datatype:
                        inner = f"<literal datatype={_xml_quoteattr(t.datatype)}>{v}</literal>"
                    else:
                        inner = f"<literal>{v}</literal>"
                    out.append(f"      <binding name={_xml_quoteattr(c)}>{inner}</binding>")
                out.append("    </result>")
            out.append("  </results>")
        out.append("</sparql>")
        return "\n".join(out) + "\n"

    def to_csv(self) -> str:
        """SPARQL 1.1 CSV results: plain values, CRLF line ends."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if self.kind == "ask":
            w.writerow(["boolean"])
            w.writerow(["true" if self.boolean else "false"])
        elif self.kind == "graph":
            w.writerow(["subject", "predicate", "object"])
            w.writerows([[t.value for t in tr] for tr in self.triples])
        else:
            w.writerow(self.columns)
            for r in self.rows:
                w.writerow(["" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value)
                            for t in r])
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 TSV results: ``?var`` header, terms in N-Triples syntax."""
        if self.kind == "ask":
            return "?boolean\n" + ("true" if self.boolean else "false") + "\n"
        if self.kind == "graph":
            return "".join("\t".join(t.n3().replace("\t", "\\t") for t in tr) + "\n"
                           for tr in self.triples)
        lines = ["\t".join(f"?{c}" for c in self.columns)]
        for r in self.rows:
            lines.append("\t".join("" if t is None else t.n3().replace("\t", "\\t") for t in r))
        return "\n".join(lines) + "\n"

    def to_ntriples(self) -> str:
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in self.triples)

    def to_turtle(self) -> str:
        return self._rdflib_graph().serialize(format="turtle")

    def to_jsonld(self) -> str:
        return self._rdflib_graph().serialize(format="json-ld")

    def to_rdfxml(self) -> str:
        return self._rdflib_graph().serialize(format="xml")

    def _rdflib_graph(self):
        import rdflib
        g = rdflib.Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        for tr in self.triples:
            g.add(tuple(_to_rdflib(t) for t in tr))
        return g

    def to_table(self, max_width: int = 60) -> str:
        """An aligned text table (long values cut at ``max_width`` characters)."""
        if self.kind == "ask":
            return "true\n" if self.boolean else "false\n"
        if self.kind == "graph":
            cols, rows = ["subject", "predicate", "object"], [tuple(t.short() for t in tr)
                                                                 for tr in self.triples]
        else:
            cols = list(self.columns)
            rows = [tuple("" if t is None else t.short() for t in r) for r in self.rows]

        def cut(s: str) -> str:
            s = " ".join(s.split())
            return s if len(s) <= max_width else s[: max_width - 1] + "…"

        rows = [tuple(cut(v) for v in r) for r in rows]
        widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
        line = lambda vals: "  ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
        out = [line(cols), line(["-" * w for w in widths])] + [line(r) for r in rows]
        n = len(rows)
        out.append(f"({n} {'row' if n == 1 else 'rows'}{', truncated' if self.truncated else ''})")
        return "\n".join(out) + "\n"

    def format(self, fmt: str = "table") -> str:
        fmt = fmt.lower()
        if self.kind == "graph":
            return {"table": self.to_table, "nt": self.to_ntriples, "ttl": self.to_turtle,
                    "turtle": self.to_turtle, "csv": self.to_csv, "tsv": self.to_tsv,
                    "json": self.to_jsonld, "jsonld": self.to_jsonld,
                    "xml": self.to_rdfxml}[fmt]()
        return {"table": self.to_table, "csv": self.to_csv, "tsv": self.to_tsv,
                "json": self.to_json, "xml": self.to_xml}[fmt]()


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """``result`` as text: table, csv, tsv, json (SPARQL JSON results) or xml."""
    return result.format(fmt)


def _xml_text(s: str) -> str:
    s = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd", s)
    return _xml_escape(s)


def _to_rdflib(t: Term):
    import rdflib
    if t.kind == "uri":
        return rdflib.URIRef(t.value)
    if t.kind == "bnode":
        return rdflib.BNode(t.value)
    return rdflib.Literal(t.value, lang=t.lang, datatype=None if t.lang else t.datatype)


# ---- loading graphs ---------------------------------------------------------------------

def resolve_graph_path(path: str | os.PathLike) -> Path:
    """A graph file, or the first of graph.nt / graph.ttl / graph.jsonld in a directory."""
    p = Path(path)
    if p.is_dir():
        for name in _GRAPH_FILES:
            if (p / name).is_file():
                return p / name
        raise QueryError(f"{p}: no graph.nt, graph.ttl or graph.jsonld in this directory",
                         kind="load")
    if not p.is_file():
        raise QueryError(f"{p}: no such graph file", kind="load")
    return p


# ---- the persistent store ---------------------------------------------------------------
#
# ``kg build`` (and ``kg load``) also write ``OUT/graph.oxigraph/``: an on-disk pyoxigraph
# (RocksDB) store bulk-loaded from the N-Triples file of the same build, part of the same
# generation of exports (kg/atomic.py switches it in with the files).  ``kg query OUT`` and
# ``kg serve OUT`` open it read-only instead of parsing the export into memory.  Beside the
# database files it holds ``kg-store.json``: the file it was loaded from, with its size and a
# hash of its first and last MiB, so that a store older than the export beside it (a graph.nt
# replaced by hand, a folder where files are renamed into place one by one) is not used.

STORE_NAME = "graph.oxigraph"
STAMP_NAME = "kg-store.json"
_STAMP_BYTES = 1 << 20
_OX_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "json-ld": "JSON_LD", "xml": "RDF_XML"}


def _source_stamp(path: Path) -> dict[str, Any]:
    import hashlib
    size = path.stat().st_size
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read(_STAMP_BYTES))
        if size > 2 * _STAMP_BYTES:
            fh.seek(size - _STAMP_BYTES)
        h.update(fh.read())
    return {"source": path.name, "size": size, "sha256-head-tail": h.hexdigest()}


def _is_store(path: Path) -> bool:
    return path.is_dir() and (path / STAMP_NAME).is_file() and (path / "CURRENT").is_file()


def store_problem(store: str | os.PathLike) -> str | None:
    """Why the store at ``store`` should not be used (None: it is current).

    The store's stamp names the file it was loaded from; when that file is beside the store
    (``OUT/graph.nt`` for ``OUT/graph.oxigraph``) and differs from what was loaded, the store
    is stale.  A store whose source file is gone is used as it is."""
    store = Path(store)
    try:
        stamp = json.loads((store / STAMP_NAME).read_text(encoding="utf-8"))
        source = store.parent / str(stamp["source"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"{store}: not a kg store (no readable {STAMP_NAME}); run `kg load {store.parent}`"
    if Path(stamp["source"]).name != stamp["source"]:
        return f"{store}: a bad {STAMP_NAME}"
    if not source.is_file():
        return None
    try:
        now = _source_stamp(source)
    except OSError as e:
        return f"{source}: {e.strerror or e}"
    if any(now[k] != stamp.get(k) for k in ("size", "sha256-head-tail")):
        return (f"{store} was loaded from another {source.name} than the one beside it; "
                f"run `kg load {store.parent}` to make it again")
    return None


def find_store(path: str | os.PathLike, warn: Any = None) -> Path | None:
    """The current store of an export directory (or ``path`` itself when it is a store).

    None when there is none, or when it is stale (then ``warn`` is called with why)."""
    p = Path(path)
    if not p.is_dir():
        return None
    store = p if _is_store(p) else p / STORE_NAME
    if not _is_store(store):
        return None
    problem = store_problem(store)
    if problem:
        if warn:
            warn(problem)
        return None
    return store


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}; parsing the export instead\n")


def resolve_source(path: str | os.PathLike, engine: str = "oxigraph") -> Path:
    """What :func:`load_graph` opens for ``path``: an export directory's store (oxigraph, when
    the directory has a current one), else the graph file (:func:`resolve_graph_path`)."""
    p = Path(path)
    if p.is_dir() and _is_store(p):  # the store folder itself
        if engine != "oxigraph":
            raise QueryError(f"{p} is a pyoxigraph store: query it with the oxigraph engine, or "
                             f"give the export folder or a graph file for {engine}", kind="param")
        problem = store_problem(p)
        if problem:
            raise QueryError(problem, kind="load")
        return p
    if engine == "oxigraph":
        store = find_store(p, warn=_warn)
        if store is not None:
            return store
    return resolve_graph_path(p)


def write_store(source: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Bulk-load the RDF file ``source`` into a new on-disk pyoxigraph store at ``dest`` (a
    folder that must not exist yet), stamped with what it was loaded from."""
    import pyoxigraph as ox
    source, dest = Path(source), Path(dest)
    fmt = _FORMAT_BY_SUFFIX.get(source.suffix.lower())
    if fmt is None:
        raise QueryError(f"{source}: unknown RDF format (use .ttl, .nt or .jsonld)", kind="load")
    if dest.exists():
        raise QueryError(f"{dest}: already exists", kind="load")
    store = ox.Store(str(dest))
    try:
        store.bulk_load(path=str(source), format=getattr(ox.RdfFormat, _OX_FORMATS[fmt]))
        store.flush()
    except OSError:
        raise
    except Exception as e:
        raise QueryError(f"{source}: cannot load graph: {e}", kind="load") from None
    finally:
        del store  # closes the database (and releases its lock) before anyone opens it
    with open(dest / STAMP_NAME, "w", encoding="utf-8") as fh:
        json.dump(_source_stamp(source), fh, indent=1)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    return dest


def load_store(export_dir: str | os.PathLike) -> Path:
    """``kg load``: (re)make the store of an export folder from its graph.nt (else graph.ttl,
    graph.jsonld), switched in with the rest of the export as one new generation
    (:func:`kg.atomic.atomic_files`): the other files are hard-linked into it unchanged."""
    import shutil
    from .atomic import CURRENT, STORE, atomic_files
    from .build import EXPORT_NAMES
    out = Path(export_dir)
    if not out.is_dir():
        raise QueryError(f"{out}: not an export folder", kind="load")
    source = resolve_graph_path(out)
    current = out / STORE / CURRENT
    names = set(EXPORT_NAMES)
    if current.is_dir():
        names |= {n for n in os.listdir(current) if (out / n).exists()}
    names.discard(STORE_NAME)
    with atomic_files(out, EXPORT_NAMES) as stage:
        for name in sorted(names):
            f = out / name
            if not f.is_file():
                continue
            real = f.resolve()
            try:
                os.link(real, stage / name)
            except OSError:
                shutil.copy2(real, stage / name)
        write_store(stage / source.name, stage / STORE_NAME)
    return out / STORE_NAME


_FORMAT_BY_SUFFIX = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt",
                     ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".xml": "xml",
                     ".owl": "xml"}


def load_graph(path: str | os.PathLike, engine: str = "oxigraph"):
    """Open ``path`` as a pyoxigraph ``Store`` or an ``rdflib.Graph``: an export folder's
    store read-only (oxigraph, when it has a current one), else the graph file parsed."""
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    p = resolve_source(path, engine)
    if p.is_dir():
        import pyoxigraph as ox
        try:
            return ox.Store.read_only(str(p))
        except Exception as e:
            raise QueryError(f"{p}: cannot open the store: {e}", kind="load") from None
    fmt = _FORMAT_BY_SUFFIX.get(p.suffix.lower())
    if fmt is None:
        raise QueryError(f"{p}: unknown RDF format (use .ttl, .nt or .jsonld)", kind="load")
    try:
        if engine == "oxigraph":
            import pyoxigraph as ox
            store = ox.Store()
            store.bulk_load(path=str(p), format=getattr(ox.RdfFormat, _OX_FORMATS[fmt]))
            return store
        import rdflib
        return rdflib.Graph().parse(str(p), format=fmt)
    except QueryError:
        raise
    except Exception as e:  # parser errors of the graph file
        raise QueryError(f"{p}: cannot load graph: {e}", kind="load") from None


_CACHE: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 4


def open_graph(graph: Any, engine: str = "oxigraph"):
    """A loaded store for ``graph`` (a path, or an already loaded Store / rdflib Graph).

    Loaded files are cached per (path, engine) and reloaded when the file changes; an export
    folder's store is cached per generation (its real path changes with each build).
    """
    if not isinstance(graph, (str, os.PathLike)):
        return graph
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    p = resolve_source(graph, engine).resolve()
    st = p.stat()
    key, stamp = (str(p), engine), (st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
    store = load_graph(p, engine)
    with _CACHE_LOCK:
        _CACHE[key] = (stamp, store)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return store


def engine_of(store: Any) -> str:
    mod = type(store).__module__
    if mod.startswith("pyoxigraph"):
        return "oxigraph"
    if mod.startswith("rdflib"):
        return "rdflib"
    raise QueryError(f"not a graph store: {type(store).__name__}", kind="param")


# ---- executing ----------------------------------------------------------------------------

_OX_POS = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)


def _syntax_error(e: Exception, engine: str) -> QueryError:
    msg = str(e)
    if engine == "oxigraph":
        m = _OX_POS.search(msg)
        if m:
            text = " ".join(m.group(3).split())
            if len(text) > 300:
                text = text[:300] + " …"
            return QueryError(text, "syntax", int(m.group(1)), int(m.group(2)))
        return QueryError(" ".join(msg.split()), "syntax")
    line, col = getattr(e, "lineno", None), getattr(e, "col", None)
    text = getattr(e, "msg", None) or msg
    found = ""
    m = re.search(r"found (.*?)\s+\(at char", msg)
    if m:
        found = f", found {m.group(1)}"
    return QueryError(f"{text}{found}", "syntax", line, col)


def _take(results, limit: int | None, convert) -> tuple[list, bool]:
    """Up to ``limit`` converted results, and whether more were left."""
    out = []
    for item in results:
        if limit is not None and len(out) >= limit:
            return out, True
        out.append(convert(item))
    return out, False


def _ox_term(t) -> Term | None:
    if t is None:
        return None
    import pyoxigraph as ox
    if isinstance(t, ox.NamedNode):
        return Term("uri", t.value)
    if isinstance(t, ox.BlankNode):
        return Term("bnode", t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Term("literal", t.value, None, t.language)
        dt = t.datatype.value
        return Term("literal", t.value, None if dt == _XSD_STRING else dt)
    return Term("literal", str(t))  # RDF-star quoted triple


def _rdflib_term(t) -> Term | None:
    if t is None:
        return None
    import rdflib
    if isinstance(t, rdflib.URIRef):
        return Term("uri", str(t))
    if isinstance(t, rdflib.BNode):
        return Term("bnode", str(t))
    if isinstance(t, rdflib.Literal):
        if t.language:
            return Term("literal", str(t), None, t.language)
        dt = str(t.datatype) if t.datatype else None
        return Term("literal", str(t), None if dt in (None, _XSD_STRING, _RDF_LANGSTRING) else dt)
    return Term("literal", str(t))


def _execute(store: Any, sparql: str, max_rows: int | None = None) -> QueryResult:
    """Run ``sparql`` on a loaded store in this process."""
    engine = engine_of(store)
    checked = check_query(sparql)  # the engine runs what was checked: this text, or its algebra
    t0 = time.perf_counter()
    limit = None if max_rows is None else max(0, int(max_rows))
    if engine == "oxigraph":
        import pyoxigraph as ox
        try:
            res = store.query(checked.text)
        except SyntaxError as e:
            raise _syntax_error(e, engine) from None
        except MemoryError:
            raise
        except Exception as e:
            raise QueryError(f"query failed: {' '.join(str(e).split())}") from None
        try:
            if isinstance(res, ox.QueryBoolean):
                out = QueryResult("ask", boolean=bool(res))
            elif isinstance(res, ox.QuerySolutions):
                cols = [v.value for v in res.variables]
                rows, truncated = _take(res, limit, lambda sol: tuple(_ox_term(sol[i]) for i in range(len(cols))))
                out = QueryResult("select", cols, rows, truncated=truncated)
            else:
                triples, truncated = _take(res, limit, lambda tr: (
                    _ox_term(tr.subject), _ox_term(tr.predicate), _ox_term(tr.object)))
                out = QueryResult("graph", triples=triples, truncated=truncated)
        except (QueryError, MemoryError):
            raise
        except Exception as e:
            raise QueryError(f"query failed: {' '.join(str(e).split())}") from None
        finally:
            res = None  # pyoxigraph's iterators must be dropped on the thread that made them
    else:
        import rdflib.plugins.sparql as rsparql
        rsparql.SPARQL_LOAD_GRAPHS = False  # FROM <url> must not fetch anything (it is refused too)
        rsparql.SPARQL_DEFAULT_GRAPH_UNION = False
        try:
            res = store.query(checked.prepared)
            if res.type == "ASK":
                out = QueryResult("ask", boolean=bool(res.askAnswer))
            elif res.type == "SELECT":
                cols = [str(v) for v in res.vars]
                rows, truncated = _take(res, limit, lambda r: tuple(_rdflib_term(x) for x in r))
                out = QueryResult("select", cols, rows, truncated=truncated)
            else:
                triples, truncated = _take(res, limit, lambda tr: tuple(_rdflib_term(x) for x in tr))
                out = QueryResult("graph", triples=triples, truncated=truncated)
        except QueryError:
            raise
        except MemoryError:
            raise
        except Exception as e:
            raise QueryError(f"query failed: {type(e).__name__}: {' '.join(str(e).split())}") from None
    out.elapsed = time.perf_counter() - t0
    return out


def run_query(graph: Any, sparql: str, engine: str = "oxigraph", timeout: float | None = None,
              max_rows: int | None = None, max_memory: int | None = None) -> QueryResult:
    """Run a SPARQL query on a graph file / export directory / loaded store.

    ``engine``: ``oxigraph`` (default) or ``rdflib`` (the reference engine); ignored for an
    already loaded store.  With ``timeout`` (seconds) or ``max_memory`` (MB a query may use
    beyond the loaded graph) the query runs in a worker process, killed when the time is up
    (:class:`QueryTimeout`) or stopped at the memory bound (kind ``memory``).  ``max_rows``
    truncates the answer (``result.truncated``).  Raises :class:`QueryError` for syntax
    errors (with line and column), updates, SERVICE / FROM, over-deep nesting and failures
    (see :func:`check_query`).
    """
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
    precheck(sparql)  # cheap, before any process is started; the full check runs with the query
    if (timeout is None or timeout <= 0) and not max_memory:
        return _execute(open_graph(graph, engine), sparql, max_rows)
    if not isinstance(graph, (str, os.PathLike)):
        raise QueryError("a timeout or memory bound needs a graph file (the worker process "
                         "loads it)", kind="param")
    if timeout is not None and timeout <= 0:
        timeout = None
    worker = QueryWorker(graph, engine, max_memory=max_memory)
    try:
        worker.wait_ready()
        return worker.query(sparql, timeout=timeout, max_rows=max_rows)
    finally:
        worker.close()


# ---- worker processes -----------------------------------------------------------------------

def _to_wire(obj: Any) -> Any:
    """Results and errors as builtins only (the child and parent may differ in ``__main__``)."""
    if isinstance(obj, QueryError):
        return ("error", (type(obj) is QueryTimeout, obj.message, obj.kind, obj.line, obj.column))
    t = lambda x: None if x is None else (x.kind, x.value, x.datatype, x.lang)  # noqa: E731
    return ("ok", (obj.kind, obj.columns, [tuple(t(x) for x in r) for r in obj.rows], obj.boolean,
                   [tuple(t(x) for x in tr) for tr in obj.triples], obj.truncated, obj.elapsed))


def _from_wire(msg: tuple) -> QueryResult:
    kind, payload = msg
    if kind == "error":
        is_timeout, message, ekind, line, column = payload
        raise (QueryTimeout if is_timeout else QueryError)(message, ekind, line, column)
    if kind in ("ready", "checked"):
        return payload  # type: ignore[return-value]
    rkind, cols, rows, boolean, triples, truncated, elapsed = payload
    t = lambda x: None if x is None else Term(*x)  # noqa: E731
    return QueryResult(rkind, list(cols), [tuple(t(x) for x in r) for r in rows], boolean,
                       [tuple(t(x) for x in tr) for tr in triples], truncated, elapsed)


def _send(fh, obj: Any) -> None:
    _send_data(fh, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _send_data(fh, data: bytes) -> None:
    fh.write(struct.pack(">Q", len(data)))
    fh.write(data)
    fh.flush()


MAX_REPLY_BYTES = 64 << 20  # an answer larger than this (pickled) is refused, not sent


def _read_exact(fd: int, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _recv(fd: int, max_bytes: int | None = None) -> Any:
    (n,) = struct.unpack(">Q", _read_exact(fd, 8))
    if max_bytes is not None and n > max_bytes:
        raise QueryError(f"the answer is larger than {max_bytes >> 20} MB: ask for fewer rows "
                         "or shorter values", kind="memory")
    return pickle.loads(_read_exact(fd, n))


def _vm_size() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _limit_memory(extra_mb: int) -> None:  # pragma: no cover - runs in a child
    """Bound this process's address space to what it uses now plus ``extra_mb`` MB."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    base = _vm_size()
    if base is None:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = base + (int(extra_mb) << 20)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):
        pass


def _worker_loop(path: str, engine: str, max_memory: str = "") -> None:  # pragma: no cover - runs in a child
    """The worker process: load the graph, then answer (sparql, max_rows) requests on stdin.

    With ``max_memory`` (MB), the address space is bounded, once the graph is loaded, to what
    the process then uses plus that much: a query past it fails (Python's MemoryError, sent
    back before the worker exits) or aborts the worker (an allocation in the Rust engine); the
    parent reports either as kind ``memory`` and starts a new worker.
    """
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business; EOF ends us
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints must not corrupt the protocol
    inp = sys.stdin.buffer.fileno()
    try:
        store = None if engine == CHECK_ONLY else load_graph(path, engine)
    except QueryError as e:
        _send(out, _to_wire(e))
        return
    except Exception as e:
        _send(out, _to_wire(QueryError(f"cannot load graph: {e}", kind="load")))
        return
    if max_memory:
        _limit_memory(int(max_memory))
    _send(out, ("ready", None))
    memory_error = QueryError(f"the query stopped: it needed more memory than the limit of "
                              f"{max_memory or '?'} MB", kind="memory")
    while True:
        try:
            msg = _recv(inp)
        except EOFError:
            return
        if msg is None:
            return
        sparql, max_rows = msg
        data, oom = None, False
        try:
            if store is None:  # a check-only worker: the checked text, or the refusal
                checked = check_query(sparql)
                data = pickle.dumps(("checked", (checked.text, checked.form)),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            else:
                data = pickle.dumps(_to_wire(_execute(store, sparql, max_rows)),
                                    protocol=pickle.HIGHEST_PROTOCOL)
            if len(data) > MAX_REPLY_BYTES:
                data = None
                raise QueryError(f"the answer is larger than {MAX_REPLY_BYTES >> 20} MB: ask for "
                                 "fewer rows or shorter values", kind="memory")
        except QueryError as e:
            reply = _to_wire(e)
        except MemoryError:
            data, oom = None, True  # answered below, once the failed query's frames are freed
        except RecursionError:
            reply = _to_wire(QueryError("query failed: nested too deeply to evaluate", kind="limit"))
        except Exception as e:
            reply = _to_wire(QueryError(f"query failed: {type(e).__name__}: {e}"))
        if oom:
            try:
                _send(out, _to_wire(memory_error))
            except Exception:
                pass
            return  # the parent starts a fresh worker in place of this one
        if data is None:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        _send_data(out, data)
        data = None


CHECK_ONLY = "check"  # the engine of a worker that only runs check_query (kg serve --upstream)

_WORKER_CODE = ("import sys; from kg.query import _worker_loop; "
                "_worker_loop(sys.argv[1], sys.argv[2], sys.argv[3])")


class QueryWorker:
    """A child process holding the graph loaded; a query past its time kills the process.

    The child is a fresh interpreter (``python -c``, not multiprocessing) that speaks
    length-prefixed pickles of builtins over its stdin / stdout, so it works whatever the
    parent's ``__main__`` is and is killed cleanly (POSIX ``select`` bounds the wait).
    """

    def __init__(self, graph: str | os.PathLike, engine: str = "oxigraph",
                 max_memory: int | None = None):
        self.path = str(resolve_source(graph, engine)) if engine != CHECK_ONLY else ""
        self.engine = engine
        self.max_memory = int(max_memory) if max_memory else None
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen([sys.executable, "-c", _WORKER_CODE, self.path, engine,
                                      str(self.max_memory or "")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                                     close_fds=True)
        self._fd = self.proc.stdout.fileno()
        self.ready = False

    def _wait(self, timeout: float | None) -> bool:
        if timeout is None:
            return True
        ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        return bool(ready)

    def wait_ready(self, timeout: float | None = None) -> None:
        if self.ready:
            return
        if not self._wait(timeout):
            self.kill()
            raise QueryError(f"{self.path}: loading the graph took more than {timeout:g} s",
                             kind="load")
        try:
            _from_wire(_recv(self._fd))
        except EOFError:
            self.kill()
            raise QueryError(f"{self.path}: the query worker died while loading the graph",
                             kind="load") from None
        self.ready = True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def query(self, sparql: str, timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
        self.wait_ready()
        try:
            _send(self.proc.stdin, (sparql, max_rows))
        except (BrokenPipeError, OSError, ValueError):
            self.kill()
            raise EOFError from None
        if not self._wait(timeout):
            self.kill()
            raise QueryTimeout(f"query stopped: it ran longer than the time limit of {timeout:g} s")
        try:
            msg = _recv(self._fd, MAX_REPLY_BYTES + (1 << 20))
        except QueryError:
            self.kill()
            raise
        except EOFError:
            self.kill()
            raise self._death() from None
        return _from_wire(msg)

    def _death(self) -> QueryError:
        """Why the worker died mid-query, as an error (kind ``memory``)."""
        code = self.proc.returncode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
        if self.max_memory:
            return QueryError(f"the query stopped: it needed more memory than the limit of "
                              f"{self.max_memory} MB, or crashed the worker ({how})", kind="memory")
        return QueryError(f"the query worker died while running the query ({how})", kind="memory")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_pipes()
        self.ready = False

    def _close_pipes(self) -> None:
        for fh in (self.proc.stdin, self.proc.stdout):
            try:
                fh.close()
            except (OSError, ValueError):
                pass

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                _send(self.proc.stdin, None)
                self.proc.wait(2)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_pipes()


class QueryService:
    """A pool of :class:`QueryWorker` processes over one graph, safe to share between threads.

    Every query has a time bound (the worker running it is killed and replaced when it is
    exceeded), a memory bound (``max_memory`` MB beyond the loaded graph, per worker; a worker
    past it is replaced) and a row bound; updates, SERVICE and FROM are refused
    (:func:`check_query`: the cheap part here, the parse in the worker, under its bounds).
    """

    def __init__(self, graph: str | os.PathLike, engine: str = "oxigraph", workers: int = 2,
                 timeout: float = 10.0, max_rows: int | None = 10_000,
                 max_memory: int | None = 1024):
        if engine not in ENGINES:
            raise QueryError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}", kind="param")
        self.path = str(resolve_source(graph, engine))
        self._pool(engine, workers, timeout, max_rows, max_memory)

    def _pool(self, engine: str, workers: int, timeout: float, max_rows: int | None,
              max_memory: int | None) -> None:
        self.engine, self.timeout, self.max_rows = engine, timeout, max_rows
        self.max_memory = max_memory
        self.size = max(1, int(workers))
        self._idle: queue.Queue[QueryWorker] = queue.Queue()
        self._all: list[QueryWorker] = []
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def _spawn(self) -> QueryWorker:
        w = QueryWorker(self.path, self.engine, max_memory=self.max_memory)
        with self._lock:
            self._all.append(w)
        return w

    def start(self) -> "QueryService":
        """Wait until every worker has loaded the graph (raises the load error, if any)."""
        workers = [self._idle.get() for _ in range(self.size)]
        try:
            for w in workers:
                w.wait_ready()
        finally:
            for w in workers:
                self._idle.put(w)
        return self

    def query(self, sparql: str, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        if self._closed:
            raise QueryError("the query service is closed", kind="busy")
        precheck(sparql)
        timeout = self.timeout if timeout is None else min(timeout, self.timeout)
        max_rows = self.max_rows if max_rows is None else (
            max_rows if self.max_rows is None else min(max_rows, self.max_rows))
        try:
            w = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryError("all query workers are busy; try again later", kind="busy") from None
        try:
            if not w.alive():
                raise EOFError
            return w.query(sparql, timeout=timeout, max_rows=max_rows)
        except EOFError:
            w = self._replace(w)
            return w.query(sparql, timeout=timeout, max_rows=max_rows)
        except QueryTimeout:
            w = self._replace(w)
            raise
        except QueryError as e:
            if e.kind == "memory" or not w.alive():
                w = self._replace(w)
            raise
        finally:
            self._idle.put(w)

    def _replace(self, w: QueryWorker) -> QueryWorker:
        w.kill()
        with self._lock:
            if w in self._all:
                self._all.remove(w)
        return self._spawn()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.close()

    def __enter__(self) -> "QueryService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---- an existing SPARQL server behind the checks (kg serve --upstream) ----------------------

def check_upstream_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; else :class:`QueryError` (kind ``param``)."""
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as e:
        raise QueryError(f"{url!r} is not a URL: {e}", kind="param") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise QueryError(f"{url!r}: the upstream SPARQL server is an http:// or https:// URL "
                         "with a host", kind="param")
    return url


def _json_term(b: dict) -> Term:
    kind = b.get("type")
    value = str(b.get("value", ""))
    if kind == "uri":
        return Term("uri", value)
    if kind == "bnode":
        return Term("bnode", value)
    lang = b.get("xml:lang")
    if lang:
        return Term("literal", value, None, lang)
    dt = b.get("datatype")
    return Term("literal", value, None if dt in (None, _XSD_STRING, _RDF_LANGSTRING) else dt)


class UpstreamService(QueryService):
    """Queries passed on to an existing SPARQL 1.1 server (Oxigraph's, QLever, Fuseki ...),
    behind the same checks as the local engines.

    Each query is checked (:func:`check_query`: updates, SERVICE, FROM refused, nesting
    bounded) in a worker process under the time and memory bounds, and only the checked text
    is sent, by POST, to ``url`` (the one URL given; redirects are not followed).  The answer
    is bounded in time (``timeout``, for the check and the answer together), in size
    (:data:`MAX_REPLY_BYTES`) and in rows (``max_rows``)."""

    def __init__(self, url: str, workers: int = 2, timeout: float = 10.0,
                 max_rows: int | None = 10_000, max_memory: int | None = 1024):
        self.url = self.path = check_upstream_url(url)
        self._pool("upstream", workers, timeout, max_rows, max_memory)

    def _spawn(self) -> QueryWorker:
        w = QueryWorker("", CHECK_ONLY, max_memory=self.max_memory)
        with self._lock:
            self._all.append(w)
        return w

    def query(self, sparql: str, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        t0 = time.monotonic()
        timeout = self.timeout if timeout is None else min(timeout, self.timeout)
        max_rows = self.max_rows if max_rows is None else (
            max_rows if self.max_rows is None else min(max_rows, self.max_rows))
        text, form = super().query(sparql, timeout=timeout)  # the check, in a worker
        left = timeout - (time.monotonic() - t0)
        if left <= 0:
            raise QueryTimeout(f"query stopped: it ran longer than the time limit of {timeout:g} s")
        return self._forward(text, form, left, max_rows, timeout)

    def _forward(self, text: str, form: str, left: float, max_rows: int | None,
                 timeout: float) -> QueryResult:
        import socket
        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None  # a 3xx stays an error: only the given URL is contacted

        graph = form in ("CONSTRUCT", "DESCRIBE")
        accept = ("application/n-triples, text/turtle;q=0.5" if graph
                  else "application/sparql-results+json")
        req = urllib.request.Request(self.url, data=text.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/sparql-query; charset=utf-8",
                                              "Accept": accept, "User-Agent": "kg-serve"})
        deadline = time.monotonic() + left
        t0 = time.perf_counter()
        too_slow = QueryTimeout(f"query stopped: the upstream server took longer than the time "
                                f"limit of {timeout:g} s")
        try:
            with urllib.request.build_opener(NoRedirect).open(req, timeout=left) as r:
                ctype = (r.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                chunks, size = [], 0
                while True:
                    if time.monotonic() > deadline:
                        raise too_slow
                    b = r.read1(1 << 16)
                    if not b:
                        break
                    size += len(b)
                    if size > MAX_REPLY_BYTES:
                        raise QueryError(f"the answer is larger than {MAX_REPLY_BYTES >> 20} MB: "
                                         "ask for fewer rows or shorter values", kind="memory")
                    chunks.append(b)
        except urllib.error.HTTPError as e:
            try:
                detail = " ".join(e.read(2000).decode("utf-8", "replace").split())[:300]
            except OSError:
                detail = ""
            kind = "syntax" if e.code == 400 else "upstream"
            raise QueryError(f"the upstream server answered {e.code} {e.reason}"
                             + (f": {detail}" if detail else ""), kind=kind) from None
        except (socket.timeout, TimeoutError):
            raise too_slow from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise too_slow from None
            raise QueryError(f"cannot reach the upstream server {self.url}: {e.reason}",
                             kind="upstream") from None
        except (QueryError, MemoryError):
            raise
        except OSError as e:
            raise QueryError(f"cannot reach the upstream server {self.url}: {e}",
                             kind="upstream") from None
        body = b"".join(chunks)
        limit = None if max_rows is None else max(0, int(max_rows))
        try:
            if graph:
                import pyoxigraph as ox
                fmt = ox.RdfFormat.TURTLE if ctype == "text/turtle" else ox.RdfFormat.N_TRIPLES
                triples, truncated = _take(ox.parse(body, format=fmt), limit, lambda tr: (
                    _ox_term(tr.subject), _ox_term(tr.predicate), _ox_term(tr.object)))
                out = QueryResult("graph", triples=triples, truncated=truncated)
            else:
                doc = json.loads(body)
                if "boolean" in doc:
                    out = QueryResult("ask", boolean=bool(doc["boolean"]))
                else:
                    cols = [str(v) for v in doc["head"]["vars"]]
                    rows, truncated = _take(doc["results"]["bindings"], limit, lambda b: tuple(
                        _json_term(b[c]) if c in b else None for c in cols))
                    out = QueryResult("select", cols, rows, truncated=truncated)
        except Exception as e:
            raise QueryError(f"the upstream server's answer cannot be read ({ctype or 'no type'}): "
                             f"{type(e).__name__}: {' '.join(str(e).split())[:300]}",
                             kind="upstream") from None
        out.elapsed = time.perf_counter() - t0
        return out


def compare_engines(graph: str | os.PathLike, sparql: str) -> tuple[QueryResult, QueryResult]:
    """The same query on both engines (for tests and the benchmark)."""
    return run_query(graph, sparql, "oxigraph"), run_query(graph, sparql, "rdflib")


def row_set(result: QueryResult) -> list[tuple]:
    """Rows as sorted comparable tuples (numeric literals by value), for engine comparisons."""
    def norm(t: Term | None):
        if t is None:
            return ("", "")
        v = t.python()
        if isinstance(v, float):
            v = round(v, 6)
        return (t.kind, repr(v))
    if result.kind == "ask":
        return [(result.boolean,)]
    if result.kind == "graph":
        return sorted(tuple(norm(t) for t in tr) for tr in result.triples)
    return sorted(tuple(norm(t) for t in r) for r in result.rows)
