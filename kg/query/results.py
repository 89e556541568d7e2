"""Query results and their formats.

* :class:`Term` (an RDF term: IRI, literal or blank node) and :class:`QueryResult` (SELECT
  columns and rows, an ASK boolean, or CONSTRUCT / DESCRIBE triples), with the SPARQL 1.1
  result formats: ``to_table`` / ``to_csv`` / ``to_tsv`` / ``to_json`` / ``to_xml``, and
  ``to_ntriples`` / ``to_turtle`` / ``to_jsonld`` / ``to_rdfxml`` for a graph;
  :func:`format_result`, :func:`row_set` (rows comparable across engines);
* the terms of each source as :class:`Term`: pyoxigraph's (:func:`_ox_term`), rdflib's
  (:func:`_rdflib_term`) and SPARQL JSON results' (:func:`_json_term`), and :func:`_take`
  (up to a row bound of them).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape as _xml_escape, quoteattr as _xml_quoteattr

from ..rdf import PREFIXES, XSD
from .errors import QueryError

FORMATS = ("table", "csv", "tsv", "json", "xml")
_XSD_STRING = XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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


# ---- the answers of each engine as Terms, up to a row bound ------------------------------

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
