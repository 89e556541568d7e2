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
