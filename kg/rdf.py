"""RDF export of the knowledge graph: the ``kgv`` vocabulary, with provenance on every claim.

Mapping (see ``docs/vocabulary.md`` and ``kg/ontology.ttl``):

* a paper node ``paper:<id>`` becomes ``<https://w3id.org/kg-ml/id/paper/<id>>``, a
  ``schema:ScholarlyArticle`` with ``dcterms:identifier/title/abstract/date/creator``,
  ``schema:url`` (only when the url is a valid IRI, see :func:`url_iri`; else dropped with
  a warning) and ``kgv:citekey`` (the BibTeX key, when there is one);
* an entity node ``entity:<id>`` becomes ``<https://w3id.org/kg-ml/id/entity/<id>>``, typed
  ``kgv:Entity`` and exactly one of ``kgv:Method|Model|Dataset|Benchmark``, with
  ``skos:prefLabel`` (and ``rdfs:label``), ``skos:altLabel`` per alias, ``kgv:nameKey`` (each
  name lower-cased, for indexed case-insensitive lookup), ``kgv:mentionCount`` and
  ``kgv:proposalCount``;
* every edge becomes a plain triple (``paper kgv:mentions entity``, ``paper kgv:proposes
  entity`` -- plus the entailed ``kgv:mentions`` -- and ``head kgv:basedOn tail`` ...), kept
  so that simple queries stay simple, **and** a ``kgv:Assertion`` node that reifies it with
  ``rdf:subject/rdf:predicate/rdf:object``, ``prov:wasDerivedFrom`` the paper, the evidence
  span (``kgv:field``, ``kgv:start``, ``kgv:end``), its text (``kgv:sentence`` for relations,
  ``kgv:text`` for mentions), ``kgv:rule`` and ``kgv:confidence``.  Assertion IRIs are a hash
  of (paper, head, relation, tail, span), so reruns give identical output.

All three serialisations come from one deterministic statement generator
(:func:`iter_statements`): N-Triples and JSON-LD are streamed straight from NetworkX without
building an rdflib graph (fine for millions of papers); Turtle goes through rdflib's sorted
serializer and can be skipped for very large graphs.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence
from urllib.parse import quote

if TYPE_CHECKING:  # networkx is slow to import; query workers do not need it
    import networkx as nx

from .atomic import atomic_write

log = logging.getLogger(__name__)

# ---- namespaces -------------------------------------------------------------------

KGV = "https://w3id.org/kg-ml/vocab#"
ID = "https://w3id.org/kg-ml/id/"
PAPER_NS = ID + "paper/"
ENTITY_NS = ID + "entity/"
ASSERTION_NS = ID + "assertion/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "kgv": KGV,
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "skos": SKOS,
    "prov": PROV,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "paper": PAPER_NS,
    "entity": ENTITY_NS,
    "assertion": ASSERTION_NS,
}

ONTOLOGY_PATH = Path(__file__).with_name("ontology.ttl")
SHAPES_PATH = Path(__file__).with_name("shapes.ttl")

#: graph relation name -> vocabulary property
REL_PROPERTY: dict[str, str] = {
    "mentions": KGV + "mentions",
    "proposes": KGV + "proposes",
    "based_on": KGV + "basedOn",
    "trained_on": KGV + "trainedOn",
    "evaluated_on": KGV + "evaluatedOn",
    "outperforms": KGV + "outperforms",
    "compared_with": KGV + "comparedWith",
    "uses": KGV + "uses",
}
ENTITY_CLASSES = {t: KGV + t for t in ("Method", "Model", "Dataset", "Benchmark")}

_TYPE = RDF + "type"
_XSD_STRING = XSD + "string"
_XSD_INTEGER = XSD + "integer"
_XSD_DECIMAL = XSD + "decimal"


class Lit(NamedTuple):
    """A literal: lexical form and datatype IRI (``None`` for a plain ``xsd:string``)."""

    lex: str
    dt: str | None = None


#: an object is an IRI (``str``) or a :class:`Lit`
Statement = tuple[str, str, "str | Lit"]

# ---- IRIs and literals -------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_SCHEME = re.compile(r"^(?:https?|ftp)://", re.IGNORECASE)


def clean_text(s: str) -> str:
    """Replace control characters and lone surrogates by U+FFFD, one for one (offsets keep)."""
    return _BAD_CHARS.sub("\ufffd", s) if _BAD_CHARS.search(s) else s


def paper_iri(paper_id: str) -> str:
    return PAPER_NS + quote(paper_id, safe="")


def entity_iri(entity_id: str) -> str:
    return ENTITY_NS + quote(entity_id, safe="")


def assertion_iri(paper_id: str, head: str, rel: str, tail: str, field: str, start, end) -> str:
    """Deterministic: a hash of the paper, the statement and its evidence span."""
    key = "\x1f".join([paper_id, head, rel, tail, field or "", str(start), str(end)])
    return ASSERTION_NS + hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


_IRI_UNSAFE = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f-\x9f]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST = re.compile(r"^(?:[^\s@/:?#\[\]]*@)?(?:\[[0-9A-Fa-f:.]+\]|[^\s@/:?#\[\]%]+)(?::\d*)?$")
# RFC 3987 IRI: scheme ":" then ucschar / unreserved / reserved / "%" HEXDIG HEXDIG
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[^\x00-\x20<>\"{}|\\^`%\x7f-\x9f\ud800-\udfff\ufffe\uffff]|%[0-9A-Fa-f]{2})*$")


def url_iri(url: str) -> str | None:
    """``url`` as a valid IRI for ``schema:url``, or None when it cannot be one.

    Characters an IRI may not hold but a URL means unambiguously are percent-encoded
    (spaces, ``<>"{}|\\^`` and ``[ ]`` outside the host: ``https://example.org/a[1]`` ->
    ``https://example.org/a%5B1%5D``); a url that is still not an IRI -- not http(s)/ftp, a
    bad host, a ``%`` that starts no escape (``http://x/%zz``) -- gives None."""
    url = (url or "").strip()
    if not url or not _SCHEME.match(url):
        return None
    scheme, sep, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    for ch in "?#":
        if ch in authority:  # http://host?query: the authority ends at ? or #
            i = authority.index(ch)
            authority, tail, slash = authority[:i], authority[i:] + slash + tail, ""
            break
    if not authority or not _HOST.match(authority) or _BAD_PERCENT.search(url):
        return None
    tail = _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), tail)
    tail = tail.replace("[", "%5B").replace("]", "%5D")
    if tail.count("#") > 1:  # one fragment: a later '#' is part of it
        i = tail.index("#") + 1
        tail = tail[:i] + tail[i:].replace("#", "%23")
    iri = f"{scheme}{sep}{authority}{slash}{tail}"
    if not _IRI.match(iri):
        return None
    if _valid_iri(iri):
        return iri
    # a code point an IRI may not hold there (private use, specials): the URI form instead
    tail = re.sub(r"[^\x00-\x7f]+", lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode(
        "utf-8", "surrogatepass")), tail)
    iri = f"{scheme}{sep}{authority}{slash}{tail}"
    return iri if _valid_iri(iri) else None


def _valid_iri(iri: str) -> bool:
    """Checked by Oxigraph's strict RFC 3987 parser (the strictest reader of the export)."""
    try:
        import pyoxigraph
    except ImportError:  # pragma: no cover - a dependency; the regex check stands alone
        return True
    try:
        pyoxigraph.NamedNode(iri)
        return True
    except ValueError:
        return False


def _url_iri(url: str) -> str | None:  # the old name
    return url_iri(url)


def _date_literal(date: str) -> Lit | None:
    date = (date or "").strip()
    if not date:
        return None
    for pattern, dt, parse in (
        (r"\d{4}-\d{2}-\d{2}", XSD + "date", lambda s: _dt.date.fromisoformat(s)),
        (r"\d{4}-\d{2}", XSD + "gYearMonth", lambda s: _dt.date.fromisoformat(s + "-01")),
        (r"\d{4}", XSD + "gYear", lambda s: s),
    ):
        m = re.match(pattern, date)
        if m and (len(date) == m.end() or date[m.end()] in "T "):
            try:
                parse(m.group(0))
            except ValueError:
                break
            return Lit(m.group(0), dt)
    return Lit(clean_text(date))  # not a date: kept as text; SHACL reports it


def name_key(name: str) -> str:
    """The lookup key of a name: lower-cased, as SPARQL ``LCASE`` does (``kgv:nameKey``)."""
    return clean_text(name).lower()


def _int(v) -> Lit:
    return Lit(str(int(v)), _XSD_INTEGER)


def decimal_lexical(x) -> str:
    """Canonical xsd:decimal form, 3 places at most: 1 -> "1", 0.90 -> "0.9" (as Oxigraph)."""
    try:
        d = Decimal(str(round(float(x), 3))).normalize()
    except (InvalidOperation, ValueError, TypeError):
        d = Decimal(1)
    s = format(d, "f")
    return "0" if s in ("-0", "") else s


def _dec(v) -> Lit:
    return Lit(decimal_lexical(1.0 if v is None else v), _XSD_DECIMAL)


def _s(text) -> Lit:
    return Lit(clean_text(str(text)))


# ---- the statement generator -------------------------------------------------------

def _node_id(node: str, prefix: str) -> str:
    return node[len(prefix):] if node.startswith(prefix) else node


def _span(d: dict) -> tuple[str, int | None, int | None]:
    field = d.get("field") or ""
    start, end = d.get("start"), d.get("end")
    ok = isinstance(start, int) and isinstance(end, int) and 0 <= start <= end
    return (field, start, end) if ok else (field, None, None)


def _assertion(a: str, kind: str, subject: str, predicate: str, obj: str, paper: str | None,
               field: str, start, end, text_property: str, text: str | None, e: dict) -> Iterator[Statement]:
    """The reified statement and its provenance: paper, span, quoted text, rule, confidence."""
    yield a, _TYPE, KGV + "Assertion"
    yield a, _TYPE, KGV + kind
    yield a, RDF + "subject", subject
    yield a, RDF + "predicate", predicate
    yield a, RDF + "object", obj
    if paper:
        yield a, PROV + "wasDerivedFrom", paper
    if field:
        yield a, KGV + "field", _s(field)
    if start is not None:
        yield a, KGV + "start", _int(start)
        yield a, KGV + "end", _int(end)
    if text:
        yield a, KGV + text_property, _s(text)
    yield a, KGV + "rule", _s(e.get("rule") or "")
    yield a, KGV + "confidence", _dec(e.get("confidence", 1.0))


def iter_statements(g: nx.MultiDiGraph, on_drop=None) -> Iterator[Statement]:
    """Every statement of the export, in a deterministic order, grouped by subject.

    ``on_drop(paper_id, message)`` is told of input data left out because it cannot be
    RDF (a url that is not a valid IRI); by default it is logged as a warning.

    Papers (sorted by node key) with their mention triples, then one assertion per
    paper->entity edge; then entities (sorted) with their relation triples, then one
    assertion per entity->entity edge.  The same graph always gives the same sequence.
    """
    nodes = g.nodes
    paper_nodes = sorted(n for n, d in nodes(data="kind") if d == "paper")
    entity_nodes = sorted(n for n, d in nodes(data="kind") if d == "entity")
    entity_iris = {n: entity_iri(_node_id(n, "entity:")) for n in entity_nodes}

    def edges(n: str):
        return sorted(((v, k, d) for _, v, k, d in g.out_edges(n, keys=True, data=True)
                       if v in entity_iris and d.get("rel") in REL_PROPERTY),
                      key=lambda e: (e[0], str(e[1])))

    for pn in paper_nodes:
        d = nodes[pn]
        pid = _node_id(pn, "paper:")
        s = paper_iri(pid)
        yield s, _TYPE, SCHEMA + "ScholarlyArticle"
        yield s, DCTERMS + "identifier", _s(pid)
        yield s, DCTERMS + "title", _s(d.get("title") or d.get("label") or "")
        yield s, DCTERMS + "abstract", _s(d.get("abstract") or "")
        date = _date_literal(d.get("date") or "")
        if date:
            yield s, DCTERMS + "date", date
        raw_url = d.get("url") or ""
        url = url_iri(raw_url)
        if url:
            yield s, SCHEMA + "url", url
        elif raw_url.strip():
            msg = f"paper {pid}: url {raw_url!r} is not a valid IRI; left out of the RDF"
            if on_drop is None:
                log.warning("%s", msg)
            else:
                on_drop(pid, msg)
        if d.get("citekey"):
            yield s, KGV + "citekey", _s(d["citekey"])
        seen_authors = set()
        for a in d.get("authors") or ():
            if a and a not in seen_authors:
                seen_authors.add(a)
                yield s, DCTERMS + "creator", _s(a)
        out = edges(pn)
        done: set[tuple[str, str]] = set()
        for v, _, e in out:
            props = [REL_PROPERTY[e["rel"]]]
            if e["rel"] == "proposes":  # proposes is a sub-property of mentions: materialised
                props.append(REL_PROPERTY["mentions"])
            for p in props:
                if (p, v) not in done:
                    done.add((p, v))
                    yield s, p, entity_iris[v]
        for v, _, e in out:
            field, start, end = _span(e)
            a = assertion_iri(pid, pn, e["rel"], v, field, start, end)
            yield from _assertion(a, "MentionAssertion", s, REL_PROPERTY[e["rel"]], entity_iris[v], s,
                                  field, start, end, "text", e.get("text"), e)

    for en in entity_nodes:
        d = nodes[en]
        s = entity_iris[en]
        label = d.get("label") or _node_id(en, "entity:")
        yield s, _TYPE, KGV + "Entity"
        cls = ENTITY_CLASSES.get(d.get("type", ""))
        if cls:
            yield s, _TYPE, cls
        yield s, DCTERMS + "identifier", _s(_node_id(en, "entity:"))
        yield s, SKOS + "prefLabel", _s(label)
        yield s, RDFS + "label", _s(label)
        aliases = sorted(set(d.get("aliases") or ()) - {label})
        for alias in aliases:
            yield s, SKOS + "altLabel", _s(alias)
        for key in sorted({name_key(x) for x in (label, *aliases)}):
            yield s, KGV + "nameKey", _s(key)
        yield s, KGV + "mentionCount", _int(d.get("papers", 0) or 0)
        yield s, KGV + "proposalCount", _int(d.get("proposed_by", 0) or 0)
        out = [e for e in edges(en) if e[2]["rel"] not in ("mentions", "proposes")]
        done = set()
        for v, _, e in out:
            p = REL_PROPERTY[e["rel"]]
            if (p, v) not in done:
                done.add((p, v))
                yield s, p, entity_iris[v]
        for v, _, e in out:
            pid = str(e.get("paper", ""))
            field, start, end = _span(e)
            a = assertion_iri(pid, en, e["rel"], v, field, start, end)
            sentence = e.get("sentence") or ""
            if not sentence and start is not None and field in ("title", "abstract"):
                sentence = (nodes.get(f"paper:{pid}", {}).get(field) or "")[start:end]
            yield from _assertion(a, "RelationAssertion", s, REL_PROPERTY[e["rel"]], entity_iris[v],
                                  paper_iri(pid) if pid else None, field, start, end,
                                  "sentence", sentence, e)


# ---- N-Triples ---------------------------------------------------------------------

_NT_ESCAPE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"}
_NT_SPECIAL = re.compile(r'["\\\n\r]')


def nt_literal(lit: Lit) -> str:
    body = '"' + _NT_SPECIAL.sub(lambda m: _NT_ESCAPE[m.group(0)], lit.lex) + '"'
    return body if lit.dt is None or lit.dt == _XSD_STRING else f"{body}^^<{lit.dt}>"


def nt_line(s: str, p: str, o: "str | Lit") -> str:
    obj = nt_literal(o) if isinstance(o, Lit) else f"<{o}>"
    return f"<{s}> <{p}> {obj} .\n"


def iter_triples(g: nx.MultiDiGraph, on_drop=None) -> Iterator[str]:
    """N-Triples lines (with their newline), straight from NetworkX, in a deterministic order."""
    for s, p, o in iter_statements(g, on_drop):
        yield nt_line(s, p, o)


# ---- rdflib ------------------------------------------------------------------------

def _bind(rg) -> None:
    for prefix, ns in PREFIXES.items():
        rg.bind(prefix, ns, override=True, replace=True)


def graph_to_rdf(g: nx.MultiDiGraph, on_drop=None):
    """The export as an ``rdflib.Graph`` (prefixes bound)."""
    import rdflib

    rg = rdflib.Graph()
    _bind(rg)
    uris: dict[str, rdflib.URIRef] = {}

    def uri(x: str) -> rdflib.URIRef:
        u = uris.get(x)
        if u is None:
            u = uris[x] = rdflib.URIRef(x)
        return u

    add = rg.add
    for s, p, o in iter_statements(g, on_drop):
        obj = (rdflib.Literal(o.lex, datatype=uri(o.dt) if o.dt else None)
               if isinstance(o, Lit) else uri(o))
        add((uri(s), uri(p), obj))
    return rg


# ---- JSON-LD -----------------------------------------------------------------------

#: compact term -> (full IRI, type coercion: "@id", a datatype IRI, or None)
_JSONLD_TERMS: dict[str, tuple[str, str | None]] = {
    "identifier": (DCTERMS + "identifier", None),
    "title": (DCTERMS + "title", None),
    "abstract": (DCTERMS + "abstract", None),
    "date": (DCTERMS + "date", XSD + "date"),
    "creator": (DCTERMS + "creator", None),
    "url": (SCHEMA + "url", "@id"),
    "citekey": (KGV + "citekey", None),
    "prefLabel": (SKOS + "prefLabel", None),
    "altLabel": (SKOS + "altLabel", None),
    "label": (RDFS + "label", None),
    "nameKey": (KGV + "nameKey", None),
    "mentionCount": (KGV + "mentionCount", _XSD_INTEGER),
    "proposalCount": (KGV + "proposalCount", _XSD_INTEGER),
    "mentions": (KGV + "mentions", "@id"),
    "proposes": (KGV + "proposes", "@id"),
    "basedOn": (KGV + "basedOn", "@id"),
    "trainedOn": (KGV + "trainedOn", "@id"),
    "evaluatedOn": (KGV + "evaluatedOn", "@id"),
    "outperforms": (KGV + "outperforms", "@id"),
    "comparedWith": (KGV + "comparedWith", "@id"),
    "uses": (KGV + "uses", "@id"),
    "subject": (RDF + "subject", "@id"),
    "predicate": (RDF + "predicate", "@id"),
    "object": (RDF + "object", "@id"),
    "wasDerivedFrom": (PROV + "wasDerivedFrom", "@id"),
    "field": (KGV + "field", None),
    "start": (KGV + "start", _XSD_INTEGER),
    "end": (KGV + "end", _XSD_INTEGER),
    "text": (KGV + "text", None),
    "sentence": (KGV + "sentence", None),
    "rule": (KGV + "rule", None),
    "confidence": (KGV + "confidence", _XSD_DECIMAL),
}
_JSONLD_BY_IRI = {iri: (term, coerce) for term, (iri, coerce) in _JSONLD_TERMS.items()}
_JSONLD_PREFIXES = ("kgv", "schema", "dcterms", "skos", "prov", "rdf", "rdfs", "xsd")


def _compact(iri: str) -> str:
    for prefix in _JSONLD_PREFIXES:
        ns = PREFIXES[prefix]
        if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def jsonld_context() -> dict:
    """The ``@context`` of ``graph.jsonld``: prefixes plus short terms with type coercion."""
    ctx: dict = {p: PREFIXES[p] for p in _JSONLD_PREFIXES}
    for term, (iri, coerce) in _JSONLD_TERMS.items():
        ctx[term] = _compact(iri) if coerce is None else {
            "@id": _compact(iri), "@type": coerce if coerce == "@id" else _compact(coerce)}
    return ctx


def _jsonld_value(o: "str | Lit", coerce: str | None):
    if isinstance(o, Lit):
        dt = o.dt or _XSD_STRING
        if coerce is None and dt == _XSD_STRING:
            return o.lex
        if coerce == dt:
            return o.lex
        if dt == _XSD_STRING:
            return {"@value": o.lex, "@type": "xsd:string"}
        return {"@value": o.lex, "@type": _compact(dt)}
    if coerce == "@id":
        return o
    return {"@id": o}


def _jsonld_node(s: str, pos: list[tuple[str, "str | Lit"]]) -> dict:
    node: dict = {"@id": s}
    types = [_compact(o) for p, o in pos if p == _TYPE and not isinstance(o, Lit)]
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    for p, o in pos:
        if p == _TYPE and not isinstance(o, Lit):
            continue
        term, coerce = _JSONLD_BY_IRI.get(p, (_compact(p), None))
        node.setdefault(term, []).append(_jsonld_value(o, coerce))
    for k, v in node.items():
        if isinstance(v, list) and len(v) == 1:
            node[k] = v[0]
    return node


def _grouped(statements: Iterable[Statement]) -> Iterator[tuple[str, list]]:
    cur, pos = None, []
    for s, p, o in statements:
        if s != cur:
            if cur is not None:
                yield cur, pos
            cur, pos = s, []
        pos.append((p, o))
    if cur is not None:
        yield cur, pos


def write_jsonld(g: nx.MultiDiGraph, fh: IO[str], on_drop=None) -> None:
    """Stream the export as JSON-LD: ``{"@context": ..., "@graph": [one object per subject]}``."""
    ctx = jsonld_context()
    fh.write('{\n  "@context": {')
    fh.write(",".join(f"\n    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in ctx.items()))
    fh.write('\n  },\n  "@graph": [')
    first = True
    for s, pos in _grouped(iter_statements(g, on_drop)):
        fh.write("\n    " if first else ",\n    ")
        first = False
        fh.write(json.dumps(_jsonld_node(s, pos), ensure_ascii=False))
    fh.write("\n  ]\n}\n")


def write_turtle(g: nx.MultiDiGraph, fh: IO[bytes], on_drop=None) -> None:
    """Stream the export as Turtle with the vocabulary's prefixes, by pyoxigraph's serializer
    (statements come grouped by subject, so each subject is written once, with ``;``).
    Streaming keeps memory flat and is some twenty times faster than rdflib's serializer."""
    import pyoxigraph as ox

    nodes: dict[str, ox.NamedNode] = {}

    def node(x: str) -> ox.NamedNode:
        n = nodes.get(x)
        if n is None:
            if len(nodes) > 200_000:  # bound the cache on huge graphs
                nodes.clear()
            n = nodes[x] = ox.NamedNode(x)
        return n

    def triples():
        for s_, p_, o_ in iter_statements(g, on_drop):
            if isinstance(o_, Lit):
                obj = ox.Literal(o_.lex) if o_.dt is None or o_.dt == _XSD_STRING else \
                    ox.Literal(o_.lex, datatype=node(o_.dt))
            else:
                obj = node(o_)
            yield ox.Triple(node(s_), node(p_), obj)

    ox.serialize(triples(), fh, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


# ---- files -------------------------------------------------------------------------

FORMAT_FILES = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld"}


def write_rdf(g: nx.MultiDiGraph, out_dir: str | Path, formats: Sequence[str] = ("ttl", "nt", "jsonld"),
              on_warning=None) -> list[Path]:
    """Write ``graph.ttl`` / ``graph.nt`` / ``graph.jsonld`` into ``out_dir``, each atomically.

    All three are streamed from the graph (Turtle through pyoxigraph's serializer), so no
    format needs the export in an rdflib graph.  Input data that cannot be RDF (a url that is not a valid IRI)
    is left out, and ``on_warning(message)`` told once per paper (default: logged).
    Returns the paths written.
    """
    unknown = set(formats) - set(FORMAT_FILES)
    if unknown:
        raise ValueError(f"unknown RDF format(s): {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(FORMAT_FILES)}")
    out = Path(out_dir)
    written: list[Path] = []
    warned: set[str] = set()

    def on_drop(pid: str, msg: str) -> None:  # once per paper, not once per format
        if msg not in warned:
            warned.add(msg)
            if on_warning is None:
                log.warning("%s", msg)
            else:
                on_warning(msg)

    for fmt in ("nt", "jsonld", "ttl"):
        if fmt not in formats:
            continue
        path = out / FORMAT_FILES[fmt]
        if fmt == "nt":
            with atomic_write(path) as fh:
                fh.writelines(iter_triples(g, on_drop))
        elif fmt == "jsonld":
            with atomic_write(path) as fh:
                write_jsonld(g, fh, on_drop)
        else:
            with atomic_write(path, "wb") as fh:
                write_turtle(g, fh, on_drop)
        written.append(path)
    order = {f: i for i, f in enumerate(formats)}
    return sorted(written, key=lambda p: order[next(k for k, v in FORMAT_FILES.items() if v == p.name)])


# ---- the vocabulary document -------------------------------------------------------

def load_ontology():
    import rdflib

    return rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")


def vocabulary_table() -> str:
    """The ``kgv`` vocabulary as a Markdown table (term, kind, label, domain, range, comment)."""
    import rdflib
    from rdflib.namespace import OWL as O, RDF as R, RDFS as S

    onto = load_ontology()
    kinds = [(O.Class, "class"), (O.ObjectProperty, "object property"),
             (O.DatatypeProperty, "datatype property")]

    def short(term) -> str:
        if term is None:
            return ""
        if isinstance(term, rdflib.Literal):
            return str(term)
        iri = str(term)
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and prefix not in ("paper", "entity", "assertion"):
                return f"{prefix}:{iri[len(ns):]}"
        return f"<{iri}>"

    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")

    rows = []
    for cls, kind in kinds:
        for term in sorted(set(onto.subjects(R.type, cls)), key=str):
            if not str(term).startswith(KGV):
                continue
            label = onto.value(term, S.label)
            comment = onto.value(term, S.comment)
            sup = []
            if kind == "class":
                dom = ", ".join(sorted(short(x) for x in onto.objects(term, S.subClassOf)))
                domain, range_ = f"subclass of {dom}" if dom else "", ""
            else:
                domain = ", ".join(sorted(short(x) for x in onto.objects(term, S.domain)))
                range_ = ", ".join(sorted(short(x) for x in onto.objects(term, S.range)))
                sup = sorted(short(x) for x in onto.objects(term, S.subPropertyOf))
            shown = f"{kind} (sub-property of {', '.join(sup)})" if kind != "class" and sup else kind
            rows.append(f"| `{short(term)}` | {shown} | {cell(str(label or ''))} | {cell(domain)} "
                        f"| {cell(range_)} | {cell(str(comment or ''))} |")
    head = ("| term | kind | label | domain | range | comment |\n"
            "|---|---|---|---|---|---|\n")
    return head + "\n".join(rows) + "\n"


DOC_BEGIN = "<!-- BEGIN vocabulary-table (generated by `python -m kg.rdf --update-docs`) -->"
DOC_END = "<!-- END vocabulary-table -->"
VOCAB_DOC = Path(__file__).resolve().parent.parent / "docs" / "vocabulary.md"


def render_vocabulary_doc(text: str) -> str:
    """``text`` with the table between the BEGIN/END markers replaced by the current one."""
    begin, end = text.index(DOC_BEGIN), text.index(DOC_END)
    return text[: begin + len(DOC_BEGIN)] + "\n\n" + vocabulary_table() + "\n" + text[end:]


def update_vocabulary_doc(path: str | Path = VOCAB_DOC) -> bool:
    """Regenerate the table in ``docs/vocabulary.md``; True if the file changed."""
    path = Path(path)
    old = path.read_text(encoding="utf-8")
    new = render_vocabulary_doc(old)
    if new != old:
        with atomic_write(path) as fh:
            fh.write(new)
    return new != old


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--update-docs"]:
        print("updated" if update_vocabulary_doc() else "up to date", VOCAB_DOC)
    else:
        sys.stdout.write(vocabulary_table())
