"""The RDF export: vocabulary, provenance, serialisations, determinism, SHACL, second parser."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from kg import rdf as kgrdf
from kg.graph import build_graph
from kg.model import Entity, Evidence, Mention, Paper, PaperExtraction, Relation
from kg.rdf import (ASSERTION_NS, KGV, PAPER_NS, REL_PROPERTY, entity_iri, graph_to_rdf,
                    iter_triples, paper_iri, write_rdf)

K = Namespace(KGV)
DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SH = Namespace("http://www.w3.org/ns/shacl#")

# ---- a small hand-written graph ---------------------------------------------------------

NASTY = ('We propose FooNet, a "new" model based on CLIP.\nFooNet outperforms BLIP on MSR-VTT. '
         'Back\\slash, tab\there, CR\r, é ü 数据 😀, NUL\x00 and a lone \ud800 surrogate.')


def _ent(id_, name, type_, text, proposed=False, aliases=(), conf=0.9):
    i = text.find(name)
    ms = [Mention("abstract", i, i + len(name), name, "lexicon", conf)] if i >= 0 else []
    return Entity(id=id_, name=name, type=type_, aliases=list(aliases), proposed=proposed,
                  mentions=ms, rule="lexicon", confidence=conf, type_rule="test")


def _rel(h, r, t, hid, tid, text, sentence, rule="pattern:test", conf=0.8):
    i = text.find(sentence)
    assert i >= 0
    return Relation(h, r, t, Evidence("abstract", i, i + len(sentence), sentence), rule, conf, hid, tid)


def synthetic_extractions() -> list[PaperExtraction]:
    """Three papers: quotes, backslashes, newlines, unicode; dates of three precisions; an
    old-style arXiv id with a slash; every relation type at least once."""
    a1 = NASTY
    a2 = "We introduce BarBench, a new benchmark. CLIP is evaluated on BarBench and ImageNet."
    a3 = ("We present BazLM, trained on ImageNet and based on FooNet. BazLM uses CLIP. "
          "BazLM is compared with BLIP. BazLM outperforms CLIP.")
    p1 = Paper("2401.00001", "FooNet: CLIP for video", a1, "2024-01-05",
               "https://arxiv.org/abs/2401.00001", ("Ann Author", "Bob Writer"))
    p2 = Paper("cs/0601001", "BarBench", a2, "2024-02", None, ())
    p3 = Paper("2403.00003", "BazLM", a3, "2024", "https://example.org/a paper?x=1", ("Cy",))
    e1 = [_ent("foonet", "FooNet", "Model", a1, proposed=True),
          _ent("clip", "CLIP", "Model", a1, aliases=["Contrastive Language-Image Pre-training"]),
          _ent("blip", "BLIP", "Model", a1), _ent("msr-vtt", "MSR-VTT", "Benchmark", a1)]
    r1 = [_rel("FooNet", "based_on", "CLIP", "foonet", "clip", a1,
               'We propose FooNet, a "new" model based on CLIP.'),
          _rel("FooNet", "outperforms", "BLIP", "foonet", "blip", a1,
               "FooNet outperforms BLIP on MSR-VTT."),
          _rel("FooNet", "evaluated_on", "MSR-VTT", "foonet", "msr-vtt", a1,
               "FooNet outperforms BLIP on MSR-VTT.")]
    e2 = [_ent("barbench", "BarBench", "Benchmark", a2, proposed=True),
          _ent("clip", "CLIP", "Model", a2, aliases=["Clip"]),
          _ent("imagenet", "ImageNet", "Dataset", a2)]
    r2 = [_rel("CLIP", "evaluated_on", "BarBench", "clip", "barbench", a2,
               "CLIP is evaluated on BarBench and ImageNet."),
          _rel("CLIP", "evaluated_on", "ImageNet", "clip", "imagenet", a2,
               "CLIP is evaluated on BarBench and ImageNet.")]
    e3 = [_ent("bazlm", "BazLM", "Model", a3, proposed=True), _ent("imagenet", "ImageNet", "Dataset", a3),
          _ent("foonet", "FooNet", "Model", a3), _ent("clip", "CLIP", "Model", a3),
          _ent("blip", "BLIP", "Model", a3)]
    s31 = "We present BazLM, trained on ImageNet and based on FooNet."
    r3 = [_rel("BazLM", "trained_on", "ImageNet", "bazlm", "imagenet", a3, s31),
          _rel("BazLM", "based_on", "FooNet", "bazlm", "foonet", a3, s31),
          _rel("BazLM", "uses", "CLIP", "bazlm", "clip", a3, "BazLM uses CLIP."),
          _rel("BazLM", "compared_with", "BLIP", "bazlm", "blip", a3, "BazLM is compared with BLIP."),
          _rel("BazLM", "outperforms", "CLIP", "bazlm", "clip", a3, "BazLM outperforms CLIP.")]
    return [PaperExtraction(p1, e1, r1), PaperExtraction(p2, e2, r2), PaperExtraction(p3, e3, r3)]


def synthetic_graph():
    return build_graph(synthetic_extractions())


@pytest.fixture(scope="module")
def syn():
    return synthetic_graph()


@pytest.fixture(scope="module")
def syn_export(syn, tmp_path_factory):
    out = tmp_path_factory.mktemp("syn-rdf")
    write_rdf(syn, out)
    return out


@pytest.fixture(scope="module")
def sample_rdf(sample_graph):
    return graph_to_rdf(sample_graph)


@pytest.fixture(scope="module")
def sample_export(sample_graph, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-rdf")
    paths = write_rdf(sample_graph, out)
    assert [p.name for p in paths] == ["graph.ttl", "graph.nt", "graph.jsonld"]
    return out


def _parse(path: Path) -> rdflib.Graph:
    fmt = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}[path.suffix]
    return rdflib.Graph().parse(path, format=fmt)


# ---- serialisations ------------------------------------------------------------------------

def test_every_serialisation_round_trips_to_the_same_triples(sample_export, sample_rdf):
    ref = set(sample_rdf)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        g = _parse(sample_export / name)
        assert len(g) == len(ref) and set(g) == ref, name  # no blank nodes: set equality is isomorphism


def test_synthetic_serialisations_are_isomorphic(syn, syn_export):
    ref = graph_to_rdf(syn)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert isomorphic(_parse(syn_export / name), ref), name


def test_pyoxigraph_reads_the_same_number_of_triples(sample_export, sample_rdf):
    for name, fmt in (("graph.ttl", ox.RdfFormat.TURTLE), ("graph.nt", ox.RdfFormat.N_TRIPLES),
                      ("graph.jsonld", ox.RdfFormat.JSON_LD)):
        store = ox.Store()
        store.bulk_load(path=str(sample_export / name), format=fmt)
        assert len(store) == len(sample_rdf), name


def test_iter_triples_is_the_nt_file_and_rdflib_graph(sample_graph, sample_export, sample_rdf):
    lines = list(iter_triples(sample_graph))
    assert "".join(lines) == (sample_export / "graph.nt").read_text(encoding="utf-8")
    assert len(lines) == len(set(lines)) == len(sample_rdf)  # no duplicate statements
    assert all(line.endswith(" .\n") and "\n" not in line[:-1] for line in lines)


def test_output_is_deterministic(syn, syn_export, tmp_path):
    write_rdf(synthetic_graph(), tmp_path)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (tmp_path / name).read_bytes() == (syn_export / name).read_bytes(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_identical_across_processes_and_hash_seeds(syn, syn_export, tmp_path):
    import os
    import subprocess
    import sys
    code = ("import importlib.util, sys; from kg.rdf import write_rdf; "
            "spec = importlib.util.spec_from_file_location('t', sys.argv[1]); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            "write_rdf(m.synthetic_graph(), sys.argv[2])")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, __file__, str(tmp_path)], check=True, env=env)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (tmp_path / name).read_bytes() == (syn_export / name).read_bytes(), name


def test_node_insertion_order_does_not_matter(syn, tmp_path):
    other = build_graph(reversed(synthetic_extractions()))
    a, b = tmp_path / "a", tmp_path / "b"
    write_rdf(syn, a)
    write_rdf(other, b)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_literals_are_escaped_and_survive_both_parsers(syn_export):
    expected = kgrdf.clean_text(NASTY)
    assert "\x00" not in expected and "\ufffd" in expected and len(expected) == len(NASTY)
    subj = URIRef(paper_iri("2401.00001"))
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        g = _parse(syn_export / name)
        assert str(g.value(subj, DCT.abstract)) == expected, name
    store = ox.Store()
    store.bulk_load(path=str(syn_export / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    (q,) = store.quads_for_pattern(ox.NamedNode(str(subj)), ox.NamedNode(str(DCT.abstract)), None)
    assert q.object.value == expected
    nt = (syn_export / "graph.nt").read_text(encoding="utf-8")
    assert '\\"new\\"' in nt and "Back\\\\slash" in nt and "\\n" in nt and "\\r" in nt
    assert "数据 😀" in nt  # UTF-8, not \u escapes


def test_ids_urls_and_dates(syn_export):
    g = _parse(syn_export / "graph.nt")
    old = URIRef(PAPER_NS + "cs%2F0601001")
    assert str(g.value(old, DCT.identifier)) == "cs/0601001"
    dates = {str(g.value(URIRef(paper_iri(i)), DCT.identifier)): g.value(URIRef(paper_iri(i)), DCT.date)
             for i in ("2401.00001", "cs/0601001", "2403.00003")}
    assert dates["2401.00001"].datatype == rdflib.XSD.date
    assert dates["cs/0601001"].datatype == rdflib.XSD.gYearMonth
    assert dates["2403.00003"].datatype == rdflib.XSD.gYear
    url = g.value(URIRef(paper_iri("2403.00003")), URIRef("https://schema.org/url"))
    assert isinstance(url, URIRef) and str(url) == "https://example.org/a%20paper?x=1"
    assert set(map(str, g.objects(URIRef(paper_iri("2401.00001")), DCT.creator))) == {"Ann Author", "Bob Writer"}
    assert kgrdf._date_literal("2024-02-30") == kgrdf.Lit("2024-02-30")  # not a date: kept as text
    assert kgrdf._date_literal("2024-02-03T10:00:00Z").dt == kgrdf.XSD + "date"


def test_prefixes_are_bound(syn_export):
    ttl = (syn_export / "graph.ttl").read_text(encoding="utf-8")
    for prefix in ("kgv", "schema", "dcterms", "skos", "prov", "rdfs", "xsd"):
        assert re.search(rf"^@prefix {prefix}: ", ttl, re.M), prefix
    doc = json.loads((syn_export / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"]["kgv"] == KGV and doc["@context"]["mentions"]["@type"] == "@id"
    assert len(doc["@graph"]) == len({s for s in _parse(syn_export / "graph.nt").subjects()})


def test_write_rdf_formats_and_streamed_turtle(syn, tmp_path):
    assert [p.name for p in write_rdf(syn, tmp_path / "a", formats=("nt",))] == ["graph.nt"]
    with pytest.raises(ValueError, match="unknown RDF format"):
        write_rdf(syn, tmp_path / "b", formats=("ttl", "rdfxml"))
    paths = write_rdf(syn, tmp_path / "c")
    assert [p.name for p in paths] == ["graph.ttl", "graph.nt", "graph.jsonld"]
    # Turtle is streamed (no rdflib graph, whatever the size) and says the same as N-Triples
    import pyoxigraph as ox
    ttl = {str(t) for t in ox.parse(path=str(tmp_path / "c" / "graph.ttl"), format=ox.RdfFormat.TURTLE)}
    nt = {str(t) for t in ox.parse(path=str(tmp_path / "c" / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)}
    assert ttl == nt and "@prefix kgv:" in (tmp_path / "c" / "graph.ttl").read_text(encoding="utf-8")


# ---- the mapping, checked against NetworkX --------------------------------------------------------

def _label(g, n):
    return g.nodes[n]["label"]


def test_papers_entities_and_plain_triples_match_networkx(sample_graph, sample_rdf):
    g, rg = sample_graph, sample_rdf
    papers = [n for n, k in g.nodes(data="kind") if k == "paper"]
    ents = [n for n, k in g.nodes(data="kind") if k == "entity"]
    assert set(rg.subjects(RDF.type, URIRef("https://schema.org/ScholarlyArticle"))) == {
        URIRef(paper_iri(n[6:])) for n in papers}
    assert set(rg.subjects(RDF.type, K.Entity)) == {URIRef(entity_iri(n[7:])) for n in ents}
    for n in ents:
        e = URIRef(entity_iri(n[7:]))
        d = g.nodes[n]
        assert str(rg.value(e, SKOS.prefLabel)) == d["label"]
        assert set(map(str, rg.objects(e, SKOS.altLabel))) == set(d["aliases"]) - {d["label"]}
        assert set(rg.objects(e, RDF.type)) == {K.Entity, K[d["type"]]}
        assert rg.value(e, K.mentionCount).toPython() == d["papers"]
    want = set()
    for u, v, d in g.edges(data=True):
        s = URIRef(paper_iri(u[6:]) if u.startswith("paper:") else entity_iri(u[7:]))
        want.add((s, URIRef(REL_PROPERTY[d["rel"]]), URIRef(entity_iri(v[7:]))))
        if d["rel"] == "proposes":
            want.add((s, K.mentions, URIRef(entity_iri(v[7:]))))
    props = [URIRef(p) for p in REL_PROPERTY.values()]
    got = {(s, p, o) for p in props for s, o in rg.subject_objects(p)}
    assert got == want


def test_every_edge_has_an_assertion_with_its_provenance(sample_graph, sample_rdf):
    g, rg = sample_graph, sample_rdf
    assertions = set(rg.subjects(RDF.type, K.Assertion))
    assert len(assertions) == g.number_of_edges()
    assert all(str(a).startswith(ASSERTION_NS) for a in assertions)
    by_key = {}
    for a in assertions:
        key = (rg.value(a, RDF.subject), rg.value(a, RDF.predicate), rg.value(a, RDF.object),
               rg.value(a, PROV.wasDerivedFrom))
        assert key not in by_key
        by_key[key] = a
    for u, v, d in g.edges(data=True):
        pid = d["paper"]
        s = URIRef(paper_iri(u[6:]) if u.startswith("paper:") else entity_iri(u[7:]))
        a = by_key[(s, URIRef(REL_PROPERTY[d["rel"]]), URIRef(entity_iri(v[7:])), URIRef(paper_iri(pid)))]
        assert str(rg.value(a, K.rule)) == (d.get("rule") or "")
        assert float(rg.value(a, K.confidence).toPython()) == pytest.approx(d.get("confidence", 1.0), abs=5e-4)
        if d.get("start", -1) >= 0:
            assert (rg.value(a, K.start).toPython(), rg.value(a, K.end).toPython()) == (d["start"], d["end"])
            assert str(rg.value(a, K.field)) == d["field"]
        if d["rel"] in ("mentions", "proposes"):
            assert K.MentionAssertion in set(rg.objects(a, RDF.type))
            assert str(rg.value(a, K.text)) == d["text"]
        else:
            assert K.RelationAssertion in set(rg.objects(a, RDF.type))
            sentence = str(rg.value(a, K.sentence))
            assert sentence == (d["sentence"] or g.nodes[f"paper:{pid}"][d["field"]][d["start"]:d["end"]])
            # the span points at the sentence in the paper's text
            assert g.nodes[f"paper:{pid}"][d["field"]][d["start"]:d["end"]] == sentence


def test_assertion_iris_are_stable_hashes(syn):
    a = {s for s, p, o in kgrdf.iter_statements(syn) if s.startswith(ASSERTION_NS)}
    b = {s for s, p, o in kgrdf.iter_statements(synthetic_graph()) if s.startswith(ASSERTION_NS)}
    assert a == b and len(a) == syn.number_of_edges()
    assert kgrdf.assertion_iri("p", "h", "uses", "t", "abstract", 1, 2) != kgrdf.assertion_iri(
        "p", "h", "uses", "t", "abstract", 1, 3)
    assert re.fullmatch(re.escape(ASSERTION_NS) + "[0-9a-f]{20}", next(iter(a)))


def test_known_statements_of_the_sample(sample_rdf):
    """Fixed expectations read off the bundled sample once (stable lexicon entities)."""
    rg = sample_rdf
    by_label = {str(o): s for s, o in rg.subject_objects(SKOS.prefLabel)}
    clip, msrvtt = by_label["CLIP"], by_label["MSR-VTT"]
    titles = {str(rg.value(p, DCT.title)) for p in rg.subjects(K.mentions, clip)}
    assert "Prompt Switch: Efficient CLIP Adaptation for Text-Video Retrieval" in titles
    assert (rg.value(clip, RDF.type, any=True) is not None
            and K.Model in set(rg.objects(clip, RDF.type)))
    assert K.Benchmark in set(rg.objects(msrvtt, RDF.type))
    dpo = by_label["Direct Preference Optimization"]
    assert "DPO" in set(map(str, rg.objects(dpo, SKOS.altLabel)))


# ---- vocabulary -----------------------------------------------------------------------------

def test_ontology_defines_every_term_with_label_comment_domain_range():
    onto = kgrdf.load_ontology()
    OWL = rdflib.OWL
    header = next(onto.subjects(RDF.type, OWL.Ontology))
    for p in (DCT.title, DCT.description, OWL.versionInfo):
        assert onto.value(header, p) is not None
    classes = {c for c in onto.subjects(RDF.type, OWL.Class) if str(c).startswith(KGV)}
    props = {p for t in (OWL.ObjectProperty, OWL.DatatypeProperty)
             for p in onto.subjects(RDF.type, t) if str(p).startswith(KGV)}
    assert {K.Entity, K.Method, K.Model, K.Dataset, K.Benchmark, K.Assertion} <= classes
    assert {K.mentions, K.proposes, K.basedOn, K.trainedOn, K.evaluatedOn, K.outperforms,
            K.comparedWith, K.uses, K.mentionCount} <= props
    for t in classes | props:
        assert onto.value(t, rdflib.RDFS.label) is not None, t
        assert onto.value(t, rdflib.RDFS.comment) is not None, t
    for p in props:
        assert onto.value(p, rdflib.RDFS.domain) is not None and onto.value(p, rdflib.RDFS.range) is not None, p
    assert (K.proposes, rdflib.RDFS.subPropertyOf, K.mentions) in onto
    assert (K.Dataset, rdflib.RDFS.subClassOf, URIRef("https://schema.org/Dataset")) in onto
    assert (K.Entity, rdflib.RDFS.subClassOf, SKOS.Concept) in onto


def test_export_uses_only_defined_terms(sample_rdf):
    onto = kgrdf.load_ontology()
    defined = set(onto.subjects())
    used = set(sample_rdf.predicates()) | set(sample_rdf.objects(None, RDF.type))
    kgv_used = {t for t in used if str(t).startswith(KGV)}
    assert kgv_used <= defined, kgv_used - defined


def test_vocabulary_doc_is_up_to_date():
    doc = kgrdf.VOCAB_DOC.read_text(encoding="utf-8")
    assert kgrdf.render_vocabulary_doc(doc) == doc, "run: python -m kg.rdf --update-docs"
    table = kgrdf.vocabulary_table()
    assert "| `kgv:evaluatedOn` | object property | evaluated on | kgv:Entity | kgv:Entity |" in table
    assert "```sparql" in doc and "prov:wasDerivedFrom" in doc and "```turtle" in doc


# ---- SHACL ------------------------------------------------------------------------------

def _validate(data: rdflib.Graph):
    import pyshacl
    shapes = rdflib.Graph().parse(kgrdf.SHAPES_PATH, format="turtle")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes)
    return conforms, report, text


def test_sample_export_conforms_to_the_shapes(sample_rdf):
    conforms, _, text = _validate(sample_rdf)
    assert conforms, text


def test_a_broken_graph_does_not_conform(syn):
    rg = graph_to_rdf(syn)
    clip = URIRef(entity_iri("clip"))
    paper = URIRef(paper_iri("2401.00001"))
    conforms, _, text = _validate(rg)
    assert conforms, text
    rg.add((clip, RDF.type, K.Method))  # two entity types
    rg.add((paper, DCT.title, Literal("a second title")))  # two titles
    rg.remove((URIRef(paper_iri("cs/0601001")), DCT.abstract, None))  # no abstract
    rg.add((clip, K.basedOn, paper))  # relation to a paper
    rg.remove((URIRef(entity_iri("blip")), SKOS.prefLabel, None))  # no prefLabel
    rel = sorted(rg.subjects(RDF.type, K.RelationAssertion))
    rg.set((rel[0], K.confidence, Literal("1.5", datatype=rdflib.XSD.decimal)))  # out of range
    rg.remove((rel[1], K.sentence, None))  # no sentence
    rg.set((rel[2], K.start, Literal("12")))  # offset of the wrong datatype
    # the reified statement without its plain triple
    s, p, o = (rg.value(rel[3], RDF.subject), rg.value(rel[3], RDF.predicate), rg.value(rel[3], RDF.object))
    rg.remove((s, p, o))
    conforms, report, text = _validate(rg)
    assert not conforms
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    components = Counter(str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1]
                         for r in results)
    focus = {(report.value(r, SH.focusNode), report.value(r, SH.resultPath)) for r in results}
    assert (clip, RDF.type) in focus
    assert (paper, DCT.title) in focus
    assert (URIRef(paper_iri("cs/0601001")), DCT.abstract) in focus
    assert (clip, K.basedOn) in focus
    assert (URIRef(entity_iri("blip")), SKOS.prefLabel) in focus
    assert (rel[0], K.confidence) in focus and (rel[1], K.sentence) in focus
    assert (rel[2], K.start) in focus
    values = {report.value(r, SH.value) for r in results
              if str(report.value(r, SH.sourceConstraintComponent)).endswith("SPARQLConstraintComponent")}
    assert rel[3] in values
    assert components["MaxCountConstraintComponent"] >= 1 and components["MinCountConstraintComponent"] >= 3


# ---- the stream (what the build writes) -------------------------------------------------------

def test_the_stream_gives_the_statements_of_the_graph(syn, sample_graph, sample_extractions):
    """kg build writes the RDF from the resolved stream and the entity aggregates, without
    the graph: the same statements as iter_statements(graph), once each."""
    from kg.aggregate import Aggregates
    for exs, g in ((synthetic_extractions(), syn), (sample_extractions, sample_graph)):
        agg = Aggregates.of(exs)
        got = list(kgrdf.iter_stream_statements(exs, agg))
        assert len(got) == len(set(got)) and set(got) == set(kgrdf.iter_statements(g))
        # grouped by subject (JSON-LD writes one object per subject, Turtle one block)
        subjects = [s for s, _, _ in got]
        starts = [s for i, s in enumerate(subjects) if i == 0 or subjects[i - 1] != s]
        assert len(starts) == len(set(starts))


def test_stream_export_files(tmp_path, syn):
    exs = synthetic_extractions()
    paths = write_rdf(exs, tmp_path)  # aggregates computed by one more read
    assert [p.name for p in paths] == ["graph.ttl", "graph.nt", "graph.jsonld"]
    ref = graph_to_rdf(syn)
    for p in paths:
        assert isomorphic(_parse(p), ref), p.name
    doc = json.loads((tmp_path / "graph.jsonld").read_text(encoding="utf-8"))
    assert len(doc["@graph"]) == len(set(ref.subjects()))
    again = tmp_path / "again"
    write_rdf(exs, again)
    for p in paths:
        assert (again / p.name).read_bytes() == p.read_bytes(), p.name
