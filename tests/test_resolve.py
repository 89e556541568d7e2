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
    a2 = ex("a2", ent("Contrastive Leave-One-Out Widget", ["CLOOW"], type_="Method"))
    b = ex("b", ent("CLOOW", type_="Method"))
    ra, ra2, rb = resolve([a, a2, b])
    assert ra.entities[0].id == ra2.entities[0].id == rb.entities[0].id == "contrastive-leave-one-out-widget"


def test_one_papers_definition_is_no_meaning_of_a_bare_acronym_elsewhere():
    # 6k build: "based on VIF and correlation thresholding" (the variance inflation factor)
    # was on the node of the Vision Inference Former one other paper coined; "MVTec-AD, VisA
    # and SDD" (a data set) on that of the Structural Diversity Diagnostic (SDD)
    coined = ex("a", ent("Vision Inference Former", ["VIF"], type_="Model"))
    bare = ex("b", ent("VIF", type_="Method"))
    ra, rb = resolve([coined, bare], corpus_stats=False)
    assert ra.entities[0].id == "vision-inference-former" and rb.entities[0].id == "vif"
    # a meaning the background corpus gives the letters is one, defined here once or not at all
    from kg.corpus_stats import CorpusStats, TermStats
    stats = CorpusStats({"vif": TermStats(5, 5, 0, {}, long_forms=(("Vision Inference Former", 5),))})
    ra, rb = resolve([coined, bare], corpus_stats=stats)
    assert ra.entities[0].id == rb.entities[0].id == "vision-inference-former"


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
    _, _, rb = resolve([a, a, b])
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


def test_a_coined_name_others_use_for_another_kind_of_thing_is_its_papers_own():
    # 6k build: the Babel method one paper coins was the node of "the BABEL benchmark" of
    # two others; GAUC, a method, that of a metric another paper evaluates on
    coined = ex("a", Entity(id="babel", name="Babel", type="Method", rule="title", proposed=True))
    data = [ex(p, ent("BABEL", type_="Benchmark")) for p in ("b", "c")]
    method_use = ex("d", ent("Babel", type_="Method"))
    ra, rb, rc, rd = resolve([coined, *data, method_use], corpus_stats=False)
    assert ra.entities[0].id == "babel--a"
    assert rb.entities[0].id == rc.entities[0].id == rd.entities[0].id == "babel"
    # used for the same kind of thing (a data set is a benchmark by turns), it is one node
    ra, rb = resolve([coined, method_use], corpus_stats=False)
    assert ra.entities[0].id == rb.entities[0].id == "babel"


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


def test_a_case_sensitive_known_word_joins_its_other_capitals_and_plural_but_not_an_acronym():
    lex = _lexicon({"name": "Mixup", "type": "Method", "case_sensitive": True},
                   {"name": "Spider", "type": "Benchmark", "case_sensitive": True},
                   {"name": "Segment Anything Model", "aliases": ["SAM"], "type": "Model", "case_sensitive": True})
    known = ex("k", ent("Mixup", id_="mixup", rule="lexicon", type_rule="lexicon", type_="Method"),
               ent("Spider", id_="spider", rule="lexicon", type_rule="lexicon", type_="Benchmark"),
               ent("Segment Anything Model", ["SAM"], id_="segment-anything-model", rule="lexicon",
                   type_rule="lexicon"))
    other = ex("o", ent("MixUp", type_="Method"), ent("SPIDER", type_="Method"),
               ent("Segment Anything Models", ["SAMs"]))
    _, ro = resolve([known, other], lexicon=lex, corpus_stats=False)
    assert [e.id for e in ro.entities] == ["mixup", "spider--own", "segment-anything-model"]


def test_a_case_sensitive_known_name_with_a_digit_joins_its_capitals():
    lex = _lexicon({"name": "pi0.5", "aliases": ["π0.5"], "type": "Model", "case_sensitive": True})
    known = ex("k", ent("π0.5", id_="pi0.5", rule="lexicon", type_rule="lexicon"))
    caps = ex("c", ent("PI0.5"))
    assert resolve([known, caps], lexicon=lex, corpus_stats=False)[1].entities[0].id == "pi0.5"


def test_a_case_sensitive_known_name_joins_its_spelling_without_periods():
    # 100k build: "FLUX-1 Dev" and "Pi-05" made nodes of their own beside FLUX.1 and pi0.5
    lex = _lexicon({"name": "FLUX.1", "type": "Model", "case_sensitive": True},
                   {"name": "pi0.5", "aliases": ["π0.5"], "type": "Model", "case_sensitive": True})
    known = ex("k", ent("FLUX.1", id_="flux.1", rule="lexicon", type_rule="lexicon"),
               ent("π0.5", id_="pi0.5", rule="lexicon", type_rule="lexicon"))
    other = ex("o", ent("FLUX-1"), ent("Pi-05"), ent("Flux-1"))
    _, ro = resolve([known, other], lexicon=lex, corpus_stats=False)
    ids = [e.id for e in ro.entities]
    assert ids[:2] == ["flux.1", "pi0.5"] and ids[2] != "flux.1"  # other capitals stay apart


def test_vision_llms_are_not_the_vllm_serving_engine(extractor):
    # 100k build: 'VLLM' / 'VLLMs' (vision LLMs) on the node of vLLM, the serving engine
    papers = [Paper("a", "A", "We serve the model with vLLM on 8 A100 GPUs."),
              Paper("b", "B", "We present LinkedOut, which extracts VLLM world knowledge from video."),
              Paper("c", "C", "We benchmark state-of-the-art VLLMs such as VideoLLaMA2.")]
    ids = [{e.name: e.id for e in r.entities} for r in resolve(extractor.pipe(papers))]
    assert ids[0]["vLLM"] == "vllm"
    assert ids[1].get("VLLM") != "vllm" and "VLLMs" not in ids[2]


def test_a_not_spelling_is_never_the_entry(extractor):
    # 100k build: 22 IoT papers' "LoRa" (the long-range radio) were on the LoRA node
    papers = [Paper("a", "A", "Devices based on the LoRa protocol retrieve consumption data."),
              Paper("b", "B", "We fine-tune with Low-Rank Adaptation (LoRa) on MIMIC III."),
              Paper("c", "C", "We fine-tune with LoRA adapters.")]
    ids = [{e.name: e.id for e in r.entities} for r in resolve(extractor.pipe(papers))]
    assert ids[0].get("LoRa") != "low-rank-adaptation"
    assert ids[1]["Low-Rank Adaptation"] == ids[2]["LoRA"] == "low-rank-adaptation"  # defined: it is LoRA


# ---- a mergeable pass 1 (issue 9: past one machine) -----------------------------------

def _raw_sample(extractor):
    from kg.build import iter_papers
    from kg.readers import ReadReport
    return list(extractor.pipe(iter_papers(None, None, ReadReport())))


def _observed(extractor, exs):
    from kg.resolve import Resolver
    r = Resolver(lexicon=extractor.lexicon)
    r.observe_all(exs)
    return r.state


def _dump(state):
    """Every table of a state, in its key order (a merge must give even the same order)."""
    return ([(k, list(c.items())) for k, c in state.spellings.items()],
            [(k, list(c.items())) for k, c in state.short_to_long.items()],
            list(state.fixed_ids.items()),
            [(k, sorted(v)) for k, v in state.proposers.items()],
            [(k, sorted(v)) for k, v in state.cited_kinds.items()])


def _tree(states):
    while len(states) > 1:
        states = [states[i].merge(states[i + 1]) if i + 1 < len(states) else states[i]
                  for i in range(0, len(states), 2)]
    return states[0]


def test_merged_partition_states_are_the_sequential_state(extractor):
    from functools import reduce
    exs = _raw_sample(extractor)
    whole = _observed(extractor, exs)
    # a real corpus: every table is in use, keys are shared across partitions
    assert whole.fixed_ids and whole.proposers and whole.short_to_long
    assert any(sum(c.values()) > 1 for c in whole.spellings.values())
    for size in (1, 5, 16, 30, len(exs)):
        parts = [_observed(extractor, exs[i:i + size]) for i in range(0, len(exs), size)]
        left = reduce(lambda a, b: a.merge(b), parts)
        right = reduce(lambda a, b: b.merge(a), reversed(parts))
        for merged in (left, right, _tree(parts)):
            assert merged == whole
            assert _dump(merged) == _dump(whole), size


def test_resolving_with_a_merged_state_gives_the_sequential_output(extractor):
    from kg.resolve import Resolver
    exs = _raw_sample(extractor)
    merged = _tree([_observed(extractor, exs[i:i + 8]) for i in range(0, len(exs), 8)])
    r = Resolver(lexicon=extractor.lexicon, state=merged)
    assert [r.resolve(x).to_json() for x in exs] == [x.to_json() for x in resolve(exs, lexicon=extractor.lexicon)]


def test_merge_keeps_the_first_lexicon_id_and_changes_neither_side(extractor):
    a = ex("a", ent("GPT-4", id_="gpt-4", rule="lexicon", type_rule="lexicon"))
    b = ex("b", ent("GPT-4", id_="gpt-4o", rule="lexicon", type_rule="lexicon"),
           ent("Foo Net", ["FN"], type_="Model"))
    sa, sb = _observed(extractor, [a]), _observed(extractor, [b])
    before = _dump(sa), _dump(sb)
    ab, ba = sa.merge(sb), sb.merge(sa)
    assert ab.fixed_ids["gpt4"] == "gpt-4" and ba.fixed_ids["gpt4"] == "gpt-4o"
    assert ab == _observed(extractor, [a, b]) and ba == _observed(extractor, [b, a])
    assert ab.spellings["gpt4"]["GPT-4"] == 2
    assert (_dump(sa), _dump(sb)) == before  # a merge is a new state


def test_observing_an_extractions_json_learns_what_observing_it_does(extractor, sample_papers):
    """A cached paper is observed from its stored line (Resolver.observe_record): the state
    of pass 1 must be the same as from the objects, on every sample paper."""
    import json

    from kg.readers import ReadReport, read_papers
    from kg.resolve import Resolver
    exs = list(extractor.pipe(read_papers(sample_papers, report=ReadReport())))
    from_objects = Resolver(lexicon=extractor.lexicon, corpus_stats=extractor.stats)
    from_lines = Resolver(lexicon=extractor.lexicon, corpus_stats=extractor.stats)
    for ex in exs:
        from_objects.observe(ex)
        from_lines.observe_record(json.loads(json.dumps(ex.to_json())))
    assert from_lines.state == from_objects.state
    assert sum(len(v) for v in from_objects.state.proposers.values()) > 10  # (the sample proposes names)
    assert [from_lines.resolve(ex).to_json() for ex in exs] == [from_objects.resolve(ex).to_json() for ex in exs]
