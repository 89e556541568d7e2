"""Relation rules on sentences written for the tests: precision guards and recall levers."""
from __future__ import annotations

from kg.model import Paper


def rels(extractor, abstract, title="A study"):
    ex = extractor.extract(Paper("t", title, abstract))
    return {(r.head, r.rel, r.tail) for r in ex.relations}, ex


def names(ex):
    return {f: e.name for e in ex.entities for f in (e.name, *e.aliases)}


# ---- precision ---------------------------------------------------------------------------

def test_negated_use_is_not_a_use(extractor):
    found, _ = rels(extractor, "Quorbit aligns the policy without using PPO, and its cost of RLHF is low. "
                               "The memory limits hinder the use of LoRA in Quorbit.",
                    title="Quorbit: Cheap Alignment")
    assert not {t for h, r, t in found if r == "uses"} & {"PPO", "Proximal Policy Optimization", "LoRA",
                                                          "Low-Rank Adaptation"}, found


def test_criticised_baseline_clause_gives_no_relation(extractor):
    found, _ = rels(extractor, "Unlike BERT, which uses masked language modeling with LoRA, and T5, "
                               "which relies on PPO, our Quorbit uses DPO.",
                    title="Quorbit: Cheap Alignment")
    heads = {h for h, r, t in found}
    assert not heads & {"BERT", "T5"}, found
    assert not any(r == "compared_with" for h, r, t in found), found


def test_we_inside_a_relative_clause_about_prior_work_is_not_the_paper(extractor):
    found, _ = rels(extractor, "We find that existing methods, which employ LoRA, forget quickly.",
                    title="Quorbit: Cheap Alignment")
    assert not any(r == "uses" for h, r, t in found), found


def test_including_lists_examples_not_components(extractor):
    found, _ = rels(extractor, "Our recipe refines several backbones, including GPT-2 and BERT, in hours.",
                    title="Quorbit: Cheap Alignment")
    assert not any(r == "uses" for h, r, t in found), found


def test_apply_to_names_the_target_not_the_tool(extractor):
    found, _ = rels(extractor, "We apply it to three pretrained models (GPT-2, BERT, RoBERTa).",
                    title="Quorbit: Cheap Alignment")
    assert not any(r == "uses" for h, r, t in found), found


def test_title_object_is_not_a_head(extractor):
    found, _ = rels(extractor, "We study sensor fusion.",
                    title="Flexible Filtering for the Internet of Things via Aggregate Computing")
    assert not any(h == "Internet of Things" for h, r, t in found), found


def test_named_after_the_trigger_is_not_its_object(extractor):
    found, _ = rels(extractor, "We propose a bidding method based on flow matching, termed BidQuux, "
                               "which is fast.", title="A study of bidding")
    assert not any(r == "based_on" and t == "BidQuux" for h, r, t in found), found


def test_adjective_pretrained_is_not_training(extractor):
    found, _ = rels(extractor, "Zorbnet outperforms all pre-trained baselines on MMLU and GSM8K.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "trained_on" for h, r, t in found), found
    assert ("Zorbnet", "evaluated_on", "MMLU") in found, found


def test_classes_and_tasks_are_not_relation_arguments(extractor):
    found, _ = rels(extractor, "Zorbnet outperforms graph neural networks on Fine-Grained Visual "
                               "Classification. Zorbnet uses potential of mean force.",
                    title="Zorbnet: A Model for Tests")
    tails = {t for h, r, t in found}
    assert not tails & {"Fine-Grained Visual Classification", "potential of mean force",
                        "graph neural networks"}, found


# ---- recall --------------------------------------------------------------------------------

def test_list_after_on_gives_one_relation_per_member(extractor):
    found, ex = rels(extractor, "Zorbnet achieves state-of-the-art results on MSR-VTT, MSVD and LSMDC.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    for b in ("MSR-VTT", "MSVD", "LSMDC"):
        assert ("Zorbnet", "evaluated_on", n[b]) in found, found


def test_outperforms_a_list(extractor):
    found, ex = rels(extractor, "Zorbnet outperforms GPT-4, Llama 2 and Mistral 7B on long inputs.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    for m in ("GPT-4", "Llama 2", "Mistral 7B"):
        assert ("Zorbnet", "outperforms", n[m]) in found, found


def test_our_model_is_the_paper_s_main_entity(extractor):
    found, ex = rels(extractor, "We present Zorbnet, a compact model. Our model is evaluated on MMLU. "
                                "It also outperforms GPT-4 on GSM8K.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "evaluated_on", "MMLU") in found, found
    assert ("Zorbnet", "outperforms", n["GPT-4"]) in found, found


def test_opening_experiments_sentence_is_about_the_named_subject(extractor):
    found, _ = rels(extractor, "Extensive experiments on MMLU, GSM8K and HumanEval show that Zorbnet "
                               "is strong.", title="Zorbnet: A Model for Tests")
    for b in ("MMLU", "GSM8K", "HumanEval"):
        assert ("Zorbnet", "evaluated_on", b) in found, found


def test_results_in_parentheses(extractor):
    found, _ = rels(extractor, "Zorbnet improves long-context tasks (e.g., 23.5 -> 26.9 F1 on NarrativeQA).",
                    title="Zorbnet: A Model for Tests")
    assert ("Zorbnet", "evaluated_on", "NarrativeQA") in found, found


def test_scores_on_two_benchmarks(extractor):
    found, _ = rels(extractor, "Zorbnet scores 67.8 on MMLU and 41.6 on GSM8K.",
                    title="Zorbnet: A Model for Tests")
    assert {("Zorbnet", "evaluated_on", "MMLU"), ("Zorbnet", "evaluated_on", "GSM8K")} <= found, found


def test_participle_takes_the_main_subject(extractor):
    found, ex = rels(extractor, "Specifically, on hard inputs, Zorbnet scores 41.6 on GSM8K, surpassing "
                                "strong models such as GPT-4 and Llama 2.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "outperforms", n["GPT-4"]) in found, found
    assert not any(h == "GSM8K" for h, r, t in found), found


def test_fronted_comparison_with_a_better_result_is_outperforms(extractor):
    found, ex = rels(extractor, "Compared with GPT-4 and Llama 2, our model achieves higher accuracy.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "outperforms", n["GPT-4"]) in found, found
    assert ("Zorbnet", "outperforms", n["Llama 2"]) in found, found


def test_the_framework_subject_is_the_main_entity(extractor):
    found, ex = rels(extractor, "We present Zorbnet, a compact model. The framework integrates LoRA and DPO.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "uses", n["LoRA"]) in found, found


def test_relations_are_deterministic(extractor):
    text = ("Zorbnet outperforms GPT-4, Llama 2 and Mistral 7B on MMLU, GSM8K and HumanEval. "
            "Unlike BERT, which uses LoRA, Zorbnet uses DPO.")
    a = extractor.extract(Paper("t", "Zorbnet: A Model for Tests", text))
    b = extractor.extract(Paper("t", "Zorbnet: A Model for Tests", text))
    assert [r.to_json() for r in a.relations] == [r.to_json() for r in b.relations]


# ---- precision: head, label and endpoint guards (sentences written for these tests) ----------

def test_a_trigger_word_inside_a_name_is_no_trigger(extractor):
    found, _ = rels(extractor, "N-BEATS and Zorbnet were both selected, and hence N-BEATS's errors were low.",
                    title="A study of forecasting")
    assert not any(r == "outperforms" for h, r, t in found), found


def test_passive_use_has_no_user_as_head(extractor):
    found, _ = rels(extractor, "A frozen CLIP scorer is employed to select samples, and a ViT classifier "
                               "is trained to relabel them.", title="A study of relabelling")
    assert not any(r == "uses" for h, r, t in found), found


def test_the_object_of_an_earlier_verb_is_not_the_head(extractor):
    found, ex = rels(extractor, "We fine-tune the Llama 2 backbone using LoRA for radiology reports.",
                     title="A study of reports")
    assert not any(h in ("Llama 2",) and r == "uses" for h, r, t in found), found


def test_head_across_a_relative_clause_is_not_the_subject(extractor):
    found, _ = rels(extractor, "We propose a depth model built upon the Swin Transformer backbone that addresses "
                               "these limitations through LoRA.", title="A study of depth")
    assert not any(h == "Swin Transformer" and r == "uses" for h, r, t in found), found


def test_appositive_names_the_subject(extractor):
    found, ex = rels(extractor, "We propose Zorbnet, a CLIP-based retrieval framework that balances speed and "
                                "recall via LoRA.", title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "uses", n["LoRA"]) in found, found
    assert not any(h in ("CLIP", "Contrastive Language-Image Pre-training") and r == "uses" for h, r, t in found), found


def test_we_uses_needs_the_method_as_subject(extractor):
    found, _ = rels(extractor, "We present Zorbnet, a compact model. We first collect prompts and then "
                               "utilize GPT-4 to annotate the dataset.", title="Zorbnet: A Model for Tests")
    assert not any(r == "uses" for h, r, t in found), found


def test_it_is_the_method_only_when_it_was_named_last(extractor):
    found, _ = rels(extractor, "We present Zorbnet, a compact model built with a CLIP encoder. It leverages "
                               "LoRA for adaptation.", title="Zorbnet: A Model for Tests")
    assert not any(h == "Zorbnet" and r == "uses" and t in ("LoRA", "Low-Rank Adaptation") for h, r, t in found), found


def test_we_adapt_x_does_not_make_x_the_base_of_the_method(extractor):
    found, _ = rels(extractor, "We present Zorbnet, a compact model. In addition, we adapt BERT to the legal domain.",
                    title="Zorbnet: A Model for Tests")
    assert not any(h == "Zorbnet" and r == "based_on" for h, r, t in found), found


def test_a_title_slogan_is_not_what_we_stands_for(extractor):
    found, _ = rels(extractor, "Experiments on MMLU and GSM8K show a large reduction of errors.",
                    title="Unmasking Hallucinations: A Causal View of Factuality")
    assert not any(r == "evaluated_on" for h, r, t in found), found


def test_pretrained_on_is_not_evaluated_on(extractor):
    found, _ = rels(extractor, "We demonstrate that Zorbnet pretrained on ImageNet is effective.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "evaluated_on" and t.startswith("ImageNet") for h, r, t in found), found


def test_compare_with_a_stated_better_result_is_outperforms(extractor):
    found, ex = rels(extractor, "We present Zorbnet, a compact model. We compare it to GPT-4 on three datasets, "
                                "showing that it achieves a higher accuracy.", title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "outperforms", n["GPT-4"]) in found, found
    assert ("Zorbnet", "compared_with", n["GPT-4"]) not in found, found


def test_improves_a_metric_over_a_baseline_is_outperforms(extractor):
    found, ex = rels(extractor, "Zorbnet improves Hit@5 by more than 75 percent over GPT-4.",
                     title="Zorbnet: A Model for Tests")
    n = names(ex)
    assert ("Zorbnet", "outperforms", n["GPT-4"]) in found, found


def test_compared_to_numbers_has_no_label(extractor):
    found, _ = rels(extractor, "Zorbnet reaches 78.7 F1, compared to 41.3 F1 for GPT-4.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "compared_with" for h, r, t in found), found


def test_purpose_clause_and_source_are_not_components(extractor):
    found, _ = rels(extractor, "Zorbnet leverages fusion to overcome the limitations of BERT. "
                               "Zorbnet combines design choices from prior GPT-2 models.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "uses" for h, r, t in found), found


def test_a_comma_after_the_trigger_starts_another_item(extractor):
    found, _ = rels(extractor, "Zorbnet estimates reliability using historical scores, LoRA to select agents.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "uses" for h, r, t in found), found


def test_component_needs_a_proposal_or_a_part_word(extractor):
    found, _ = rels(extractor, "We present Zorbnet, a ranking model. In offline tests, Zorbnet improves recall "
                               "relative to our existing Quibble Ranker (QR) system.",
                    title="Zorbnet: A Model for Tests")
    assert not any(r == "uses" for h, r, t in found), found


def test_an_entity_and_its_acronym_are_one_thing(extractor):
    from kg.extract.relations import _acronym_pair
    from kg.model import Entity
    a = Entity(id="a", name="Backwards Aggregation", type="Method")
    b = Entity(id="b", name="BAgger", type="Method")
    assert _acronym_pair(a, b) and _acronym_pair(b, a)
    assert not _acronym_pair(Entity(id="c", name="Low-Rank Adaptation", type="Method"), b)


def test_fragments_are_not_relation_arguments(extractor):
    from kg.extract.relations import _arg_ok
    from kg.model import Entity
    for name in ("Key Segments--that", "multi-user", "LiDAR-Inertial", "LLM-Curated", "kHz"):
        assert not _arg_ok(Entity(id="x", name=name, type="Method", proposed=True)), name
    assert not _arg_ok(Entity(id="y", name="Medical Visual Grounding", type="Benchmark"))
    assert _arg_ok(Entity(id="z", name="Zorbnet", type="Model", proposed=True))


def test_benchmark_paper_motivation_is_no_evaluation(extractor):
    found, _ = rels(extractor, "Editing models like GPT-4 still struggle with many instances. We introduce "
                               "Quuxbench, a benchmark for editing. We evaluate Llama 2 on Quuxbench.",
                    title="Quuxbench: A Benchmark for Editing")
    assert not any(h == "GPT-4" for h, r, t in found), found


def test_superior_performance_compared_to_is_a_win(extractor):
    ex = extractor.extract(Paper("t", "Zorbnet: Fast Graphs",
                                 "We propose Zorbnet. Zorbnet achieves superior accuracy compared to GraphSAGE on Cora."))
    rels = {(r.head, r.rel, r.tail) for r in ex.relations}
    assert ("Zorbnet", "outperforms", "GraphSAGE") in rels
    assert ("Zorbnet", "compared_with", "GraphSAGE") not in rels


def test_a_component_that_spells_out_the_systems_own_name_is_not_a_part(extractor):
    ex = extractor.extract(Paper("t", "QRS Policy: Robust Grasping",
                                 "We present QRS Policy. It introduces Quiet Residual Supervision, a module that "
                                 "stabilises training, and the Zorb Memory Module for long horizons."))
    tails = {r.tail for r in ex.relations if r.head == "QRS Policy" and r.rel == "uses"}
    assert "Quiet Residual Supervision" not in tails
