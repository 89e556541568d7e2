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
