"""Canonical entities across papers."""
from __future__ import annotations

from kg.model import Entity, Evidence, Paper, PaperExtraction, Relation
from kg.resolve import resolve


def ex(pid, *ents, rels=()):
    return PaperExtraction(Paper(pid, pid, ""), list(ents), list(rels))


def ent(name, aliases=(), type_="Model", rule="shape", id_=None, type_rule="default"):
    from kg.normalize import slug
    return Entity(id=id_ or slug(name), name=name, type=type_, aliases=list(aliases), rule=rule,
                  type_rule=type_rule)


def ids(resolved):
    return [[e.id for e in r.entities] for r in resolved]


def test_spelling_variants_are_one_entity(extractor):
    papers = [Paper("a", "A", "We fine-tune LLaMA-2 on it."), Paper("b", "B", "We fine-tune Llama 2 on it."),
              Paper("c", "C", "We fine-tune Llama2 on it."), Paper("d", "D", "We use Stable Diffusion XL."),
              Paper("e", "E", "We use SDXL.")]
    out = resolve(extractor.pipe(papers))
    llama = {e.id for r in out[:3] for e in r.entities}
    assert len(llama) == 1
    assert out[3].entities[0].id == out[4].entities[0].id


def test_different_things_stay_apart(extractor):
    papers = [Paper("a", "A", "We compare GPT-4 and GPT-4o, CLIP and CLOOB, Llama 2 and Llama 3.")]
    (r,) = resolve(extractor.pipe(papers))
    names = [e.name for e in r.entities]
    assert len({e.id for e in r.entities}) == len(r.entities) == 6, names


def test_abbreviation_defined_elsewhere_resolves_bare_use():
    a = ex("a", ent("Contrastive Leave One Out Widget", ["CLOOW"], type_="Method"))
    b = ex("b", ent("CLOOW", type_="Method"))
    ra, rb = resolve([a, b])
    assert ra.entities[0].id == rb.entities[0].id == "contrastive-leave-one-out-widget"


def test_ambiguous_abbreviation_is_not_resolved():
    a = ex("a", ent("Rationale Ranking", ["RR"], type_="Method"))
    b = ex("b", ent("Residual Refinement", ["RR"], type_="Method"))
    c = ex("c", ent("RR", type_="Method"))
    ra, rb, rc = resolve([a, b, c])
    assert rc.entities[0].id not in {ra.entities[0].id, rb.entities[0].id}


def test_canonical_id_does_not_depend_on_input_order():
    a = ex("a", ent("Foo Net", type_="Model"))
    b = ex("b", ent("foo-net", type_="Model"))
    c = ex("c", ent("Foo Net", type_="Model"))
    assert ids(resolve([a, b, c]))[1] == ids(resolve([b, c, a]))[0]


def test_relations_follow_resolved_ids():
    ev = Evidence("abstract", 0, 10, "x")
    a = ex("a", ent("Contrastive Leave One Out Widget", ["CLOOW"], type_="Method"))
    b = ex("b", ent("CLOOW", type_="Method"), ent("CLIP", type_="Model"),
           rels=[Relation("CLOOW", "outperforms", "CLIP", ev, "r", head_id="cloow", tail_id="clip")])
    _, rb = resolve([a, b])
    (r,) = rb.relations
    assert r.head_id == "contrastive-leave-one-out-widget" and r.tail_id == "clip"


# ---- one node per thing (issue 8) -----------------------------------------------------

def _lexicon(*records):
    from kg.extract.lexicon import Lexicon
    lex = Lexicon()
    for rec in records:
        lex.add(rec)
    return lex


LEX = _lexicon({"name": "Differential Privacy", "type": "Method", "aliases": ["DP"]},
               {"name": "Vision Transformer", "type": "Model", "aliases": ["ViT"]})


def test_a_papers_own_long_form_decides_what_its_acronym_means():
    a = ex("a", ent("Differential Privacy", ["DP"], id_="differential-privacy", rule="lexicon", type_rule="lexicon"))
    b = ex("b", ent("Diffusion Policy", ["DP"], type_="Method"))
    ra, rb = resolve([a, b], lexicon=LEX, corpus_stats=False)
    assert ra.entities[0].id == "differential-privacy"
    assert rb.entities[0].id == "diffusion-policy"  # the alias DP does not join it to privacy


def test_a_bare_acronym_joins_only_a_dominant_meaning():
    defs = [ex(f"d{i}", ent("Widget Query Language", ["WQL"], type_="Method")) for i in range(3)]
    other = ex("o", ent("Weighted Quantile Loss", ["WQL"], type_="Method"))
    bare = ex("b", ent("WQL", type_="Method"))
    *_, rb = resolve(defs + [bare], corpus_stats=False)
    assert rb.entities[0].id == "widget-query-language"  # 3 of 3 definitions
    *_, rb = resolve(defs[:1] + [other, bare], corpus_stats=False)
    assert rb.entities[0].id == "wql"  # 1 of 2: no dominant meaning, its own node


def test_a_coined_name_proposed_by_two_papers_is_two_nodes():
    def proposed(pid):
        e = ent("SCOPEX", type_="Method")
        e.proposed = True
        return ex(pid, e)
    one, two = proposed("2601.00001"), proposed("2601.00002")
    cite = ex("c", ent("SCOPEX", type_="Method"))
    r1, r2, rc = resolve([one, two, cite], corpus_stats=False)
    assert r1.entities[0].id != r2.entities[0].id
    assert {r1.entities[0].id, r2.entities[0].id} == {"scopex--2601.00001", "scopex--2601.00002"}
    assert rc.entities[0].id == "scopex"
    # proposed by one paper and used by another: one node
    r1, rc = resolve([one, cite], corpus_stats=False)
    assert r1.entities[0].id == rc.entities[0].id == "scopex"


def test_plural_british_and_version_variants_are_one_node():
    exs = [ex("a", ent("Kolmogorov-Arnold Network")), ex("b", ent("Kolmogorov-Arnold Networks")),
           ex("c", ent("Kolmogorov-Arnold Networks")), ex("d", ent("Gemini 3.0 Pro")), ex("e", ent("Gemini 3 Pro")),
           ex("f", ent("Bayesian Optimisation")), ex("g", ent("Bayesian Optimization"))]
    out = resolve(exs, corpus_stats=False)
    ids_ = [r.entities[0].id for r in out]
    assert len(set(ids_[:3])) == 1 and len(set(ids_[3:5])) == 1 and len(set(ids_[5:])) == 1
    # the label is the most frequent spelling
    assert out[0].entities[0].label == "Kolmogorov-Arnold Networks"


def test_lexicon_label_and_plural_of_a_known_name(extractor):
    papers = [Paper("a", "A", "We fine-tune ViTs on it."), Paper("b", "B", "A Vision Transformer (ViT) is used.")]
    ra, rb = resolve(extractor.pipe(papers))
    (va,), (vb,) = ra.entities, rb.entities
    assert va.id == vb.id == "vision-transformer"
    assert va.label == vb.label == "Vision Transformer"


def test_different_things_with_one_key_stay_apart(extractor):
    # "ViTs" is not VITS, the speech model (a case-sensitive lexicon entry)
    (r,) = resolve(extractor.pipe([Paper("a", "A", "We fine-tune ViTs and compare with VITS for speech.")]))
    assert len({e.id for e in r.entities}) == 2


def test_a_coined_acronym_is_its_papers_even_when_another_paper_defines_the_letters():
    a = ex("a", ent("Abstractive Compression Robust against Noise", ["ACORNX"], type_="Method"))
    a.entities[0].proposed = True
    b = ex("b", ent("ACORNX", type_="Method"))
    b.entities[0].proposed = True  # "ACORNX: Towards In-network Classification" coins its own
    ra, rb = resolve([a, b], corpus_stats=False)
    assert ra.entities[0].id != rb.entities[0].id


def test_a_case_sensitive_known_name_is_joined_only_as_written():
    lex = _lexicon({"name": "Self-Taught Reasoner", "aliases": ["STaR"], "type": "Method", "case_sensitive": True})
    a = ex("a", ent("Self-Taught Reasoner", ["STaR"], id_="self-taught-reasoner", rule="lexicon", type_rule="lexicon"))
    b = ex("b", ent("STAR", type_="Model"))  # an RNA-seq aligner, written in capitals
    ra, rb = resolve([a, b], lexicon=lex, corpus_stats=False)
    assert rb.entities[0].id != "self-taught-reasoner"
