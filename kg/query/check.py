"""What may run: the safety check of every query, whatever engine then runs it.

* :func:`query_form` / :func:`is_update`: the query's first keyword, read on its lexed text;
* :func:`precheck`: the cheap part, safe on any input (no parser runs): ``\\u`` escapes decoded,
  the bracket depth bounded (:data:`MAX_DEPTH`, :func:`nesting_depth`), updates refused;
* :func:`check_query`: the full check on a real parse (rdflib's SPARQL 1.1 parser): SERVICE,
  FROM / FROM NAMED and updates refused, a :class:`CheckedQuery` (the text and the algebra the
  engine is given) returned; syntax errors as :class:`QueryError` with line and column
  (:func:`_syntax_error`, for the engines' parsers too).
"""
from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .errors import QueryError
from .library import _TOKENS


# ---- the query form --------------------------------------------------------------------------

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


# ---- syntax errors, as the parsers report them ------------------------------------------------

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
