"""Names, not noise: the evidence a name needs to become an entity (kg.extract.evidence),
through the extractor on sentences written for the tests, with corpus statistics built
from a small corpus written for the tests too."""
from __future__ import annotations

import pytest

from kg.corpus_stats import CorpusStats
from kg.extract import Extractor
from kg.extract import evidence
from kg.model import Paper


@pytest.fixture(scope="module")
def stats():
    """A background corpus: 'Widget Networking' is a term (mostly lower case), 'ZQ' an
    acronym papers define as a measure, 'MAE' mostly the mean absolute error."""
    papers = []
    for i in range(8):
        papers.append(Paper(f"w{i}", "On networks",
                            f"We study widget networking in depth {i}. Widget networking helps. "
                            "We report the mean absolute error (MAE) of each run."))
    papers.append(Paper("w8", "Widget Networking for All", "Today, Widget Networking is used here."))
    for i in range(4):
        papers.append(Paper(f"z{i}", "Rates", f"The zonal quota (ZQ) of each cell {i} is low."))
    papers.append(Paper("m0", "Masks", "Masked Autoencoders (MAE) learn by masking."))
    return CorpusStats.build(papers, min_df=1)


@pytest.fixture(scope="module")
def ex(extractor, stats):
    # the shipped lexicon with the test's background statistics
    return Extractor(lexicon=extractor.lexicon, corpus_stats=stats)


def names(extractor, abstract, title="A study"):
    return {e.name: e for e in extractor.extract(Paper("t", title, abstract)).entities}


# ---- the rules, one by one ------------------------------------------------------------

@pytest.mark.parametrize("long_form,verdict", [
    ("Semantic Anchor Distillation", ("Method", "long-form-head:Distillation")),
    ("Graph Attention Network", ("Model", "long-form-head:Network")),
    ("Radio Access Network", (None, "not-artifact:Network")),
    ("Visual Place Recognition", (None, "task:Recognition")),
    ("Demand Side Platform", (None, "not-artifact:Platform")),
    ("Human Preference Dataset", ("Dataset", "long-form-head:Dataset")),
    ("Efficient In-context Learning on Egocentric Videos", (None, "")),  # the head is "Learning"
    ("Standard Polarity MWEs", (None, "not-artifact:MWEs")),
    ("Auto-Regressive", (None, "not-artifact:Auto-Regressive")),
])
def test_long_form_head(long_form, verdict):
    assert evidence.long_form_type(long_form) == verdict


def test_shapes_that_are_not_names():
    assert evidence.modifier_base("Grad-CAM-Based") == "Grad-CAM"
    assert evidence.modifier_base("UAV-Assisted") == "UAV"
    assert evidence.modifier_base("Diffusion-DPO") is None
    assert evidence.is_word_with_number("Stage-1") and not evidence.is_word_with_number("GPT-4")
    assert evidence.has_irregular_case("MAsk") and evidence.has_irregular_case("eXplainable")
    assert not evidence.has_irregular_case("ViT") and not evidence.has_irregular_case("LoRA")
    assert evidence.is_lowercase_phrase("electric vehicle") and not evidence.is_lowercase_phrase("LoRA")
    text = "The SD = 0.24% and an MAE of 0.12 were low."
    assert evidence.reads_as_measure(text, text.index("SD") + 2)
    assert evidence.reads_as_measure(text, text.index("MAE") + 3)


def test_corpus_verdicts(stats):
    assert evidence.corpus_term(stats, "Widget Networking").startswith("corpus:lower-case")
    assert evidence.corpus_term(stats, "ZQ").startswith("corpus:defined-as")
    assert evidence.corpus_term(stats, "FooNet") is None  # unknown: the corpus says nothing
    share = evidence.corpus_meaning_share(stats, "MAE", ["Masked Autoencoders"])
    assert share is not None and share < 0.3


# ---- through the extractor ---------------------------------------------------------------

def test_terms_tasks_and_things_defined_by_acronym_are_not_entities(ex):
    found = names(ex, "Electric vehicle (EV) fleets use a Radio Access Network (RAN) and Visual Place "
                      "Recognition (VPR) for Demand Side Platform (DSP) ads.")
    assert not found, list(found)


def test_a_defined_technique_is_a_method(ex):
    found = names(ex, "Specifically, Semantic Anchor Distillation (SAD) distills embeddings; SAD is fast.")
    sad = found["Semantic Anchor Distillation"]
    assert sad.type == "Method" and sad.aliases == ["SAD"]


def test_lower_case_long_form_is_a_term_unless_coined(ex):
    assert not names(ex, "Charging of the electric vehicle (EV) is slow.")
    found = names(ex, "We add feature-wise linear modulation (FiLM) layers to the model.")
    assert "feature-wise linear modulation" in found  # a mixed-case acronym is a coined name


def test_modifiers_give_the_name_inside_or_nothing(ex):
    found = names(ex, "A CLIP-Driven retriever and a UAV-Assisted relay with LLM-Based planning.")
    assert set(found) == {"CLIP"}
    clip = found["CLIP"]
    assert clip.mentions[0].text == "CLIP" and clip.type == "Model"


def test_words_with_numbers_and_stray_capitals_are_not_names(ex):
    assert not names(ex, "In Stage-1 we MAsk the tokens and the aGent acts.")


def test_a_name_with_no_evidence_is_not_typed_method_by_default(ex):
    # shaped like a name, but nothing says what it is, and the paper does not propose it
    assert not names(ex, "The QZX toolkit runs on a laptop.")
    # the same shape with evidence: "the QZX benchmark", "QZX achieves", "models such as QZX"
    assert names(ex, "We evaluate on the QZX benchmark.")["QZX"].type == "Benchmark"
    assert names(ex, "Experiments show that QZXNet achieves the best results.")["QZXNet"].type in ("Model", "Method")
    assert names(ex, "We compare models such as QZX and PLV on the task.")["QZX"].type == "Model"


def test_scores_type_a_benchmark(ex):
    found = names(ex, "It achieves state-of-the-art results on ImageNet-1K (60.1%), WoofNette (87.2%) and "
                      "PetNette (72.9%).")
    assert found["WoofNette"].type == found["PetNette"].type == "Benchmark"
    assert names(ex, "We gain +7.6% on PixQA and more.")["PixQA"].type == "Benchmark"


def test_a_statistic_is_not_a_model(ex):
    found = names(ex, "The error was low (SD = 0.24%), with an MAE of 0.12 across sites.")
    assert "SD" not in found and "MAE" not in found


def test_a_bare_acronym_the_field_mostly_means_otherwise_is_dropped(ex):
    # the background corpus mostly defines MAE as the mean absolute error
    assert "MAE" not in names(ex, "We compare MAE with contrastive pre-training.")
    # spelled out, it is Masked Autoencoders
    found = names(ex, "We compare Masked Autoencoders (MAE) with contrastive pre-training.")
    assert found["Masked Autoencoders"].id == "masked-autoencoders"


def test_the_corpus_says_a_title_case_phrase_is_a_term(ex):
    assert not names(ex, "We survey Widget Networking across many cities.")


def test_names_with_inner_capitals_do_not_match_ordinary_words(extractor):
    # the shipped statistics know "quality" and "multiple" as words
    found = names(extractor, "Quality matters: Multiple models were tried, and a Glove sensor was worn.")
    assert not {"QuALITY", "MultiPL-E", "GloVe"} & {e for e in found}
    assert not any(e.id in ("quality", "multipl-e", "glove") for e in found.values())
    found = names(extractor, "We evaluate on QuALITY and MultiPL-E with GloVe embeddings.")
    assert {e.id for e in found.values()} >= {"quality", "multipl-e"}


def test_shipped_statistics_drop_common_terms(extractor):
    found = names(extractor, "Devices in the Internet of Things (IoT) send data over the network.")
    assert not found, list(found)


# ---- names that spell like known ones ---------------------------------------------------

@pytest.fixture(scope="module")
def small():
    from kg.extract.lexicon import Lexicon
    lex = Lexicon()
    for rec in ({"name": "Omni Reasoning Chain Solver", "aliases": ["ORCS"], "type": "Model"},
                {"name": "Qwen3", "type": "Model", "aliases": ["Qwen 3"]},
                {"name": "ShapeNet", "type": "Dataset"}):
        lex.add(rec)
    lex.add_generic(["LLM", "KG", "knowledge graph"])
    return Extractor(lexicon=lex, corpus_stats=CorpusStats())


def test_a_title_that_spells_out_a_known_acronym_otherwise_is_a_new_thing(small):
    ex = small.extract(Paper("t", "ORCS: Open Retrieval Clustering System for Search",
                             "We present ORCS, which clusters results. ORCS is fast."))
    (orcs,) = [e for e in ex.entities if e.name == "ORCS"]
    assert orcs.id != "omni-reasoning-chain-solver" and orcs.proposed
    # the lexicon's own ORCS, spelled out as the lexicon does, stays the lexicon's
    ex = small.extract(Paper("t", "ORCS: Omni Reasoning Chain Solver", "ORCS reasons well."))
    assert [e.id for e in ex.entities if "ORCS" in (e.name, *e.aliases)] == ["omni-reasoning-chain-solver"]


def test_checkpoints_and_splits_of_known_names(small):
    found = names(small, "We fine-tune Qwen3-4B. It is trained on ShapeNet-55/34 and ShapeNet200.")
    assert found["Qwen3-4B"].type == "Model" and found["Qwen3-4B"].type_rule == "lexicon-base:Qwen3"
    assert found["ShapeNet-55/34"].type == found["ShapeNet200"].type == "Dataset"


def test_compounds_of_generic_parts_are_not_names(small):
    assert not names(small, "Our KG-LLM pipeline and a Multi-LLM setup are compared.")


def test_an_established_term_is_used_not_proposed(stats, extractor):
    papers = [Paper(f"f{i}", "Control", f"A finite state machine controls robot {i} here.") for i in range(6)]
    papers.append(Paper("f9", "Control", "We use a Finite State Machine (FSM) today."))
    ex = Extractor(lexicon=extractor.lexicon, corpus_stats=stats.merge(CorpusStats.build(papers, min_df=1)))
    found = names(ex, "In this paper we propose a Finite State Machine (FSM) controller for drones.")
    assert not found["Finite State Machine"].proposed


def test_versions_tiers_and_years_stay_on_the_name(extractor):
    found = names(extractor, "We compare Claude 3.5-Haiku with GPT-4o on the BraTS 2025 challenge data.")
    assert "Claude 3.5-Haiku" in found and "Claude" not in found
    assert "BraTS 2025" in found


def test_a_kind_of_data_and_a_toolkit_are_not_artifacts(ex, extractor):
    assert not names(ex, "Thermal Infrared (TIR) data are noisy.")
    assert not names(ex, "The code is in the Munich Quantum Toolkit (MQT) repository.")
    # title words capitalised to spell an acronym: the shipped statistics know "implicit"
    assert not names(extractor, "ImPlicit Self-ImprovemenT helps.", title="ImPlicit Self-ImprovemenT")


def test_a_long_form_naming_another_kind_of_thing_is_not_the_known_acronym(ex):
    # the lexicon knows GAIA only by its acronym, as a benchmark
    found = names(ex, "We build a GUI Action Critic's Data Flywheel System (GAIA) for agents.")
    assert all(e.id != "gaia" for e in found.values())
    found = names(ex, "We propose the Geometry-Adaptive Integral Autoencoder (GAIA).")
    assert all(e.id != "gaia" for e in found.values())
    assert names(ex, "We evaluate agents on GAIA and WebArena.")["GAIA"].id == "gaia"


def test_a_long_form_spelled_without_its_hyphen_is_the_known_name(ex):
    found = names(ex, "We solve PDEs with PhysicsInformed Neural Networks (PINNs) and supervised finetuning (SFT).")
    assert found["PhysicsInformed Neural Networks"].id == "physics-informed-neural-networks"
    assert found["supervised finetuning"].id == "supervised-fine-tuning"


def test_a_long_form_is_found_by_its_word_initials_first(ex):
    # Schwartz-Hearst alone matches the P of PPO inside "Policy": "Policy Optimisation"
    found = names(ex, "We train the policy with Proximal Policy Optimisation (PPO) and a Mesh Memory Protocol (MMP).")
    assert "Proximal Policy Optimisation" in found and found["Proximal Policy Optimisation"].aliases == ["PPO"]
    assert "Mesh Memory Protocol" in found


def test_a_definition_decides_between_two_known_names_of_one_acronym(ex):
    # the lexicon knows GQA the benchmark and Grouped-Query Attention; the title's bare GQA
    # comes first, the paper's own definition decides
    found = names(ex, "Multi-Query Attention (MQA) and Grouped-Query Attention (GQA) reduce memory.",
                  title="Faster GQA: Grouping Heads")
    assert found["Grouped-Query Attention"].id == "grouped-query-attention"
    assert all(e.id != "gqa" for e in found.values())
    assert names(ex, "We evaluate on GQA and VQAv2.")["GQA"].id == "gqa"
