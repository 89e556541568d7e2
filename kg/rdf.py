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

The statements come from one mapping with two deterministic sources: the resolved stream
with its per-entity aggregates (:func:`iter_stream_statements`, what ``kg build`` writes:
papers in stream order, then entities; memory is that of the aggregates, not of the
papers) or a NetworkX graph (:func:`iter_statements`: papers and entities sorted). For the
same papers both give the same set of triples. :class:`RDFExport` writes all three
serialisations in one pass over the statements: N-Triples and JSON-LD line by line, Turtle
from the N-Triples by pyoxigraph's streaming serializer; no rdflib graph is built.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import logging
import re
import sys
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, NamedTuple, Sequence
from urllib.parse import quote

if TYPE_CHECKING:  # networkx is slow to import; query workers do not need it
    import networkx as nx

    from .aggregate import Aggregates
    from .fragments import FragmentCache, PaperFragment, PaperLine
    from .model import PaperExtraction
    from .store_sync import StoreSync

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


@lru_cache(maxsize=1 << 16)  # an entity's IRI is wanted once per edge to it
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


_DECIMALS: dict[float, Lit] = {}  # confidences take few values


def _dec(v) -> Lit:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        lit = _DECIMALS.get(v)
        if lit is None:
            if len(_DECIMALS) > 10_000:
                _DECIMALS.clear()
            lit = _DECIMALS[v] = Lit(decimal_lexical(v), _XSD_DECIMAL)
        return lit
    return Lit(decimal_lexical(1.0 if v is None else v), _XSD_DECIMAL)


def _s(text) -> Lit:
    return Lit(clean_text(str(text)))


# ---- the statement generator -------------------------------------------------------
# One mapping, two sources: a NetworkX graph (iter_statements) or the resolved stream with
# its entity aggregates (iter_stream_statements, what the build writes), built from the same
# pieces below, so both give the same set of statements for the same papers.

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


def _paper(pid: str, d: dict, on_drop) -> Iterator[Statement]:
    """A paper's own statements (``d``: its node attributes)."""
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


def _mentions(pid: str, out: list[tuple[str, Any, dict]]) -> Iterator[Statement]:
    """A paper's mention triples, then one assertion per paper->entity edge (``out``: the
    edges as (entity node, key, attributes), sorted)."""
    pn, s = f"paper:{pid}", paper_iri(pid)
    done: set[tuple[str, str]] = set()
    for v, _, e in out:
        props = [REL_PROPERTY[e["rel"]]]
        if e["rel"] == "proposes":  # proposes is a sub-property of mentions: materialised
            props.append(REL_PROPERTY["mentions"])
        for p in props:
            if (p, v) not in done:
                done.add((p, v))
                yield s, p, entity_iri(_node_id(v, "entity:"))
    for v, _, e in out:
        field, start, end = _span(e)
        a = assertion_iri(pid, pn, e["rel"], v, field, start, end)
        yield from _assertion(a, "MentionAssertion", s, REL_PROPERTY[e["rel"]],
                              entity_iri(_node_id(v, "entity:")), s, field, start, end, "text",
                              e.get("text"), e)


def _entity(en: str, d: dict) -> Iterator[Statement]:
    """An entity's own statements (``d``: its node attributes)."""
    s = entity_iri(_node_id(en, "entity:"))
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


def _relation_triples(en: str, targets: Iterable[tuple[str, str]]) -> Iterator[Statement]:
    """``head rel tail`` once per (relation, tail node), in the order given."""
    s = entity_iri(_node_id(en, "entity:"))
    done = set()
    for rel, v in targets:
        p = REL_PROPERTY[rel]
        if (p, v) not in done:
            done.add((p, v))
            yield s, p, entity_iri(_node_id(v, "entity:"))


def _relation_assertion(en: str, v: str, e: dict, paper_text) -> Iterator[Statement]:
    """The assertion of one entity->entity edge; ``paper_text(paper id, field)``: the text a
    missing sentence is cut from."""
    pid = str(e.get("paper", ""))
    field, start, end = _span(e)
    a = assertion_iri(pid, en, e["rel"], v, field, start, end)
    sentence = e.get("sentence") or ""
    if not sentence and start is not None and field in ("title", "abstract"):
        sentence = (paper_text(pid, field) or "")[start:end]
    yield from _assertion(a, "RelationAssertion", entity_iri(_node_id(en, "entity:")),
                          REL_PROPERTY[e["rel"]], entity_iri(_node_id(v, "entity:")),
                          paper_iri(pid) if pid else None, field, start, end, "sentence", sentence, e)


def iter_statements(g: nx.MultiDiGraph, on_drop=None) -> Iterator[Statement]:
    """Every statement of the export of graph ``g``, in a deterministic order, grouped by subject.

    ``on_drop(paper_id, message)`` is told of input data left out because it cannot be
    RDF (a url that is not a valid IRI); by default it is logged as a warning.

    Papers (sorted by node key) with their mention triples, then one assertion per
    paper->entity edge; then entities (sorted) with their relation triples, then one
    assertion per entity->entity edge.  The same graph always gives the same sequence.
    The build writes the same statements from the stream (:func:`iter_stream_statements`).
    """
    nodes = g.nodes
    paper_nodes = sorted(n for n, d in nodes(data="kind") if d == "paper")
    entity_nodes = sorted(n for n, d in nodes(data="kind") if d == "entity")
    entity_set = set(entity_nodes)

    def edges(n: str):
        return sorted(((v, k, d) for _, v, k, d in g.out_edges(n, keys=True, data=True)
                       if v in entity_set and d.get("rel") in REL_PROPERTY),
                      key=lambda e: (e[0], str(e[1])))

    def paper_text(pid: str, field: str) -> str:
        return nodes.get(f"paper:{pid}", {}).get(field) or ""

    for pn in paper_nodes:
        pid = _node_id(pn, "paper:")
        yield from _paper(pid, nodes[pn], on_drop)
        yield from _mentions(pid, edges(pn))

    for en in entity_nodes:
        yield from _entity(en, nodes[en])
        out = [e for e in edges(en) if e[2]["rel"] not in ("mentions", "proposes")]
        yield from _relation_triples(en, ((e["rel"], v) for v, _, e in out))
        for v, _, e in out:
            yield from _relation_assertion(en, v, e, paper_text)


def paper_statements(ordinal: int, ex: PaperExtraction, aggregates: Aggregates,
                     on_drop=None) -> Iterator[Statement]:
    """The statements of one paper of the stream (``ordinal``: its place in it): the paper,
    its mention triples and assertions, then the assertions of its relations (the triples
    ``head rel tail`` are the entities', :func:`entity_statements`)."""
    from .graph import mention_edges, paper_attrs, relation_edges
    p = ex.paper
    yield from _paper(p.id, paper_attrs(p), on_drop)
    yield from _mentions(p.id, sorted(((en, k, d) for (en, k), d in mention_edges(ex).items()),
                                      key=lambda e: (e[0], e[1])))
    rels = relation_edges(ex, lambda r: aggregates.known(r, ordinal))

    def paper_text(pid: str, field: str) -> str:
        return p.title if field == "title" else p.abstract

    for (h, t, _), e in sorted(rels.items(), key=lambda kv: kv[0]):
        if e["rel"] in REL_PROPERTY:
            yield from _relation_assertion(h, t, e, paper_text)


def entity_statements(aggregates: Aggregates) -> Iterator[Statement]:
    """Every entity's statements (sorted by id) with its relation triples, from the aggregates."""
    for eid in sorted(aggregates.entities):
        yield from entity_block(*entity_record(eid, aggregates))


def entity_record(eid: str, aggregates: Aggregates) -> tuple[str, dict, list[tuple[str, str]]]:
    """What an entity's statements are made of: its id, node attributes and relation
    targets (sorted)."""
    targets = sorted((f"entity:{t}", rel) for rel, t in aggregates.relations.get(eid, ())
                     if rel in REL_PROPERTY)
    return eid, aggregates.entities[eid].attrs(), targets


def entity_block(eid: str, attrs: dict, targets: list[tuple[str, str]]) -> Iterator[Statement]:
    """One entity's statements (:func:`entity_record`)."""
    en = f"entity:{eid}"
    yield from _entity(en, attrs)
    yield from _relation_triples(en, ((rel, v) for v, rel in targets))


def iter_stream_statements(extractions: Iterable[PaperExtraction], aggregates: Aggregates,
                           on_drop=None) -> Iterator[Statement]:
    """Every statement of the export, from the resolved stream and its aggregates
    (:class:`kg.aggregate.Aggregates` of the same stream): the same statements as
    :func:`iter_statements` of ``build_graph(extractions)``, in another order: papers in
    stream order (each with its mention and relation assertions), then the entities. Memory
    is that of the aggregates; the same stream always gives the same sequence."""
    for i, ex in enumerate(extractions):
        yield from paper_statements(i, ex, aggregates, on_drop)
    yield from entity_statements(aggregates)


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


@lru_cache(maxsize=4096)  # called with the few predicates, classes and datatypes only
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
        tc = _JSONLD_BY_IRI.get(p)
        term, coerce = tc if tc is not None else (_compact(p), None)
        node.setdefault(term, []).append(_jsonld_value(o, coerce))
    for k, v in node.items():
        if isinstance(v, list) and len(v) == 1:
            node[k] = v[0]
    return node


class JSONLDWriter:
    """JSON-LD written as statements come: ``{"@context": ..., "@graph": [one object per
    subject]}``; a subject's statements must come together (both generators give them so)."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self._cur: str | None = None
        self._pos: list = []
        self._first = True
        ctx = jsonld_context()
        fh.write('{\n  "@context": {')
        fh.write(",".join(f"\n    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                          for k, v in ctx.items()))
        fh.write('\n  },\n  "@graph": [')

    def add(self, s: str, p: str, o: "str | Lit") -> None:
        if s != self._cur:
            self._flush()
            self._cur = s
        self._pos.append((p, o))

    def add_objects(self, texts: Iterable[str]) -> None:
        """Subjects' objects already written as JSON (:class:`kg.fragments.PaperFragment`)."""
        self._flush()
        for text in texts:
            self.fh.write("\n    " if self._first else ",\n    ")
            self._first = False
            self.fh.write(text)

    def _flush(self) -> None:
        if self._cur is None:
            return
        self.fh.write("\n    " if self._first else ",\n    ")
        self._first = False
        self.fh.write(json.dumps(_jsonld_node(self._cur, self._pos), ensure_ascii=False))
        self._cur, self._pos = None, []

    def close(self) -> None:
        self._flush()
        self.fh.write("\n  ]\n}\n")


def write_jsonld(g: nx.MultiDiGraph, fh: IO[str], on_drop=None) -> None:
    """Stream the export of graph ``g`` as JSON-LD (see :class:`JSONLDWriter`)."""
    w = JSONLDWriter(fh)
    for s, p, o in iter_statements(g, on_drop):
        w.add(s, p, o)
    w.close()


def _ox_triples(statements: Iterable[Statement]):
    import pyoxigraph as ox

    nodes: dict[str, ox.NamedNode] = {}

    def node(x: str) -> ox.NamedNode:
        n = nodes.get(x)
        if n is None:
            if len(nodes) > 200_000:  # bound the cache on huge graphs
                nodes.clear()
            n = nodes[x] = ox.NamedNode(x)
        return n

    for s_, p_, o_ in statements:
        if isinstance(o_, Lit):
            obj = ox.Literal(o_.lex) if o_.dt is None or o_.dt == _XSD_STRING else \
                ox.Literal(o_.lex, datatype=node(o_.dt))
        else:
            obj = node(o_)
        yield ox.Triple(node(s_), node(p_), obj)


def write_turtle(g: nx.MultiDiGraph, fh: IO[bytes], on_drop=None) -> None:
    """Stream the export of graph ``g`` as Turtle with the vocabulary's prefixes, by
    pyoxigraph's serializer (statements come grouped by subject, so each subject is written
    once, with ``;``). Streaming keeps memory flat and is some twenty times faster than
    rdflib's serializer."""
    import pyoxigraph as ox

    ox.serialize(_ox_triples(iter_statements(g, on_drop)), fh, ox.RdfFormat.TURTLE,
                 prefixes=dict(PREFIXES))


def turtle_from_ntriples(nt_path: str | Path, fh: IO[bytes]) -> None:
    """Turtle of an N-Triples file, in its order (pyoxigraph's parser into its serializer, in
    a stream): the bytes :func:`write_turtle` gives for the same statements."""
    import pyoxigraph as ox

    ox.serialize(ox.parse(path=str(nt_path), format=ox.RdfFormat.N_TRIPLES), fh,
                 ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


# ---- files -------------------------------------------------------------------------

FORMAT_FILES = {"ttl": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld"}


def _check_formats(formats: Sequence[str]) -> None:
    unknown = set(formats) - set(FORMAT_FILES)
    if unknown:
        raise ValueError(f"unknown RDF format(s): {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(FORMAT_FILES)}")


class RDFExport:
    """The RDF files of one export, written in ONE pass over the statements: each N-Triples
    line and JSON-LD object as its statements come, then Turtle converted from the N-Triples
    by pyoxigraph (through a temporary file when ``nt`` is not asked for). Files are written
    atomically, on a clean exit from the ``with`` block only::

        with RDFExport(out, ("ttl", "nt"), aggregates=agg) as w:
            for i, ex in enumerate(extractions):  # the stream the aggregates are of
                w.add(i, ex)
        w.paths  # [out/graph.ttl, out/graph.nt]

    ``add(ordinal, extraction)`` writes a paper's statements (:func:`paper_statements`) and,
    with ``aggregates``, the entities' come at the end; ``write(statements)`` takes any
    statements (the graph's). ``on_warning(message)`` is told once per paper of data that
    cannot be RDF (default: logged). ``nt_tee(bytes)``, with ``nt`` or ``ttl`` among the
    formats, is also given the N-Triples as they are written (a
    :class:`kg.query.StoreLoader` loads them into the store meanwhile).

    ``fragments`` (a :class:`kg.fragments.FragmentCache`): each paper's pieces of the files
    are kept there, and :meth:`add_pieces` copies those of a paper seen before instead of
    writing its statements again; Turtle is then written piece by piece too (the same
    bytes). ``store_sync`` (a :class:`kg.store_sync.StoreSync`) is told of each paper's and
    the entities' N-Triples, to update the last build's store instead of loading one."""

    def __init__(self, out_dir: str | Path, formats: Sequence[str] = ("ttl", "nt", "jsonld"),
                 on_warning=None, *, aggregates: Aggregates | None = None,
                 nt_tee: Callable[[bytes], None] | None = None,
                 fragments: FragmentCache | None = None,
                 store_sync: StoreSync | None = None) -> None:
        _check_formats(formats)
        self.out = Path(out_dir)
        self.formats = tuple(formats)
        self.aggregates = aggregates
        self.on_warning = on_warning
        self.nt_tee = nt_tee
        self.fragments = fragments
        self.store_sync = store_sync
        self.paths: list[Path] = []
        self._stack = None
        self._ttl = None  # Turtle written piece by piece (with fragments)
        self._ttl_prefixes = b""

    def on_drop(self, pid: str, msg: str) -> None:
        if self.on_warning is None:
            log.warning("%s", msg)
        else:
            self.on_warning(msg)

    def __enter__(self) -> "RDFExport":
        import contextlib
        import os
        import tempfile

        from .atomic import atomic_path, clean_stale_tmp
        self._stack = stack = contextlib.ExitStack()
        stack.__enter__()
        try:
            self._nt = self._jsonld = None
            if "nt" in self.formats:
                self._nt_path = stack.enter_context(atomic_path(self.out / FORMAT_FILES["nt"]))
            elif "ttl" in self.formats:  # Turtle is made from N-Triples: a temporary file
                self.out.mkdir(parents=True, exist_ok=True)
                clean_stale_tmp(self.out / FORMAT_FILES["nt"])
                fd, tmp = tempfile.mkstemp(dir=self.out, prefix=f".graph.nt.{os.getpid()}.",
                                           suffix=".tmp")
                os.close(fd)
                self._nt_path = Path(tmp)
                stack.callback(self._nt_path.unlink, missing_ok=True)
            if ("nt" in self.formats or "ttl" in self.formats) and self.nt_tee is None:
                self._nt = stack.enter_context(open(self._nt_path, "w", encoding="utf-8",
                                                    newline=""))
            elif "nt" in self.formats or "ttl" in self.formats:
                raw = _Tee(stack.enter_context(open(self._nt_path, "wb", buffering=0)), self.nt_tee)
                self._nt = stack.enter_context(io.TextIOWrapper(
                    io.BufferedWriter(raw, 1 << 20), encoding="utf-8", newline=""))
            if "jsonld" in self.formats:
                self._jsonld = JSONLDWriter(stack.enter_context(
                    atomic_write(self.out / FORMAT_FILES["jsonld"])))
            if self.fragments is not None and "ttl" in self.formats:
                self._ttl = stack.enter_context(atomic_write(self.out / FORMAT_FILES["ttl"], "wb"))
                self._ttl_prefixes = _turtle_prefixes()
        except BaseException:
            stack.close()
            raise
        return self

    def write(self, statements: Iterable[Statement]) -> None:
        if self.fragments is not None:  # in pieces cut where the subject changes
            from .fragments import make_fragment
            for chunk in _subject_chunks(statements):
                self._write_fragment(make_fragment(chunk))
            return
        nt, jl = self._nt, self._jsonld
        if nt is not None and jl is not None:
            for s, p, o in statements:
                nt.write(nt_line(s, p, o))
                jl.add(s, p, o)
        elif nt is not None:
            nt.writelines(nt_line(s, p, o) for s, p, o in statements)
        elif jl is not None:
            for s, p, o in statements:
                jl.add(s, p, o)

    def add(self, ordinal: int, ex: PaperExtraction) -> None:
        if self.aggregates is None:
            raise ValueError("RDFExport.add needs the aggregates of the stream")
        if self.store_sync is not None:  # (which is told of each paper by add_pieces)
            raise ValueError("RDFExport.add: with store_sync, papers come by add_pieces")
        self.write(paper_statements(ordinal, ex, self.aggregates, self.on_drop))

    def add_pieces(self, batch: "list[tuple[int, PaperLine, str]]") -> None:
        """Papers of the stream as (ordinal, line, fragment key,
        :meth:`kg.fragments.FragmentCache.keys`): each one's pieces copied from
        ``fragments`` when an earlier build kept them, else written and kept."""
        from .fragments import make_fragment
        from .model import PaperExtraction
        cache, agg = self.fragments, self.aggregates
        if cache is None or agg is None:
            raise ValueError("RDFExport.add_pieces needs the fragments and the aggregates")
        found = cache.get_many([key for _, _, key in batch])
        new = {}
        written = []
        for i, line, key in batch:
            frag = found.get(key) or new.get(key)
            if frag is None:
                warnings: list[str] = []
                frag = new[key] = make_fragment(
                    paper_statements(i, PaperExtraction.from_json(line.record), agg,
                                     lambda pid, msg: warnings.append(msg)), warnings)
            self._write_fragment(frag)
            written.append((line.id, key, frag.nt))
        cache.put_many(new.items())
        if self.store_sync is not None:
            self.store_sync.papers(written)

    def _write_entities(self, batch: int = 512) -> None:
        """The entities' statements, each entity's pieces copied from ``fragments`` when an
        earlier build wrote the same entity (most do not change from a day to the next)."""
        from .fragments import make_fragment
        cache, agg = self.fragments, self.aggregates
        ids = sorted(agg.entities)
        for start in range(0, len(ids), batch):
            records = [entity_record(eid, agg) for eid in ids[start:start + batch]]
            keys = [cache.key(json.dumps(["entity", *r], ensure_ascii=False, sort_keys=True), ())
                    for r in records]
            found = cache.get_many(keys)
            new = {}
            nt = []
            for record, key in zip(records, keys):
                frag = found.get(key) or new.get(key)
                if frag is None:
                    frag = new[key] = make_fragment(entity_block(*record))
                self._write_fragment(frag)
                nt.append(frag.nt)
            cache.put_many(new.items())
            if self.store_sync is not None:
                self.store_sync.entities("".join(nt))

    def _write_fragment(self, frag: PaperFragment) -> None:
        if self._nt is not None:
            self._nt.write(frag.nt)
        if self._jsonld is not None:
            self._jsonld.add_objects(frag.jsonld)
        if frag.ttl:
            if self._ttl_prefixes:  # (written before the first statement, as pyoxigraph does)
                self._ttl.write(self._ttl_prefixes)
                self._ttl_prefixes = b""
            self._ttl.write(frag.ttl.encode("utf-8"))
        for msg in frag.warnings:
            self.on_drop("", msg)

    def __exit__(self, exc_type, exc, tb) -> bool:
        import os

        stack = self._stack
        if exc_type is not None:
            return stack.__exit__(exc_type, exc, tb)
        try:
            if self.aggregates is not None and self.fragments is not None:
                self._write_entities()
            elif self.aggregates is not None:
                self.write(entity_statements(self.aggregates))
            if self._jsonld is not None:
                self._jsonld.close()
            if self._nt is not None:
                self._nt.flush()
                if "nt" in self.formats:
                    os.fsync(self._nt.fileno())
            if "ttl" in self.formats and self._ttl is None:
                with atomic_write(self.out / FORMAT_FILES["ttl"], "wb") as fh:
                    turtle_from_ntriples(self._nt_path, fh)
        except BaseException:
            stack.__exit__(*sys.exc_info())  # the temporary files go
            raise
        stack.__exit__(None, None, None)  # the files are renamed into place here
        self.paths = [self.out / FORMAT_FILES[f] for f in self.formats]
        return False


def _turtle_prefixes() -> bytes:
    """The ``@prefix`` lines pyoxigraph writes before a file's first statement."""
    from .fragments import _turtle_prefix_length

    ttl = io.BytesIO()
    write_turtle_statements([(KGV + "s", KGV + "p", KGV + "o")], ttl)
    data = ttl.getvalue()
    return data[:_turtle_prefix_length(data)]


def write_turtle_statements(statements: Iterable[Statement], fh: IO[bytes]) -> None:
    """``statements`` as Turtle with the vocabulary's prefixes (pyoxigraph's serializer)."""
    import pyoxigraph as ox

    ox.serialize(_ox_triples(statements), fh, ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES))


def _subject_chunks(statements: Iterable[Statement], size: int = 4096) -> Iterator[list[Statement]]:
    """``statements`` in lists of about ``size``, each cut where the subject changes (so
    that each list's Turtle is a run of whole subject blocks)."""
    chunk: list[Statement] = []
    for st in statements:
        if len(chunk) >= size and st[0] != chunk[-1][0]:
            yield chunk
            chunk = []
        chunk.append(st)
    if chunk:
        yield chunk


class _Tee(io.RawIOBase):
    """A binary file whose every write is also handed to ``tee``."""

    def __init__(self, fh, tee: Callable[[bytes], None]) -> None:
        self.fh, self.tee = fh, tee

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        view = memoryview(data)
        while view:  # (an unbuffered file may write less than it is given)
            view = view[self.fh.write(view):]
        self.tee(data)
        return len(data)

    def fileno(self) -> int:
        return self.fh.fileno()


def _is_graph(source) -> bool:
    return hasattr(source, "out_edges") and hasattr(source, "nodes")


def write_rdf(source, out_dir: str | Path, formats: Sequence[str] = ("ttl", "nt", "jsonld"),
              on_warning=None, *, aggregates: Aggregates | None = None) -> list[Path]:
    """Write ``graph.ttl`` / ``graph.nt`` / ``graph.jsonld`` into ``out_dir``, each atomically.

    ``source``: the NetworkX graph (``kg.graph``), or the resolved stream (a ``mentions.jsonl``
    path, a list of extractions, ...: :func:`kg.aggregate.passes`) with its ``aggregates``
    (computed here, by one more pass, when not given): the same triples either way, and the
    stream needs no graph in memory. The statements are generated once for all formats,
    Turtle through pyoxigraph's serializer, so no format needs an rdflib graph. Input data
    that cannot be RDF (a url that is not a valid IRI) is left out, and ``on_warning(message)``
    told once per paper (default: logged). Returns the paths written, in ``formats`` order.
    """
    _check_formats(formats)
    formats = tuple(dict.fromkeys(formats))
    if _is_graph(source):
        with RDFExport(out_dir, formats, on_warning) as w:
            w.write(iter_statements(source, w.on_drop))
        return w.paths
    from .aggregate import Aggregates, passes
    read = passes(source)
    agg = aggregates if aggregates is not None else Aggregates.of(read())
    with RDFExport(out_dir, formats, on_warning, aggregates=agg) as w:
        for i, ex in enumerate(read()):
            w.add(i, ex)
    return w.paths


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
