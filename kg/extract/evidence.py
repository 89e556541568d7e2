"""Is a candidate a *named artifact*? The evidence for names the lexicon does not know.

A paper about radio networks writes "Radio Access Network (RAN)", "electric vehicle (EV)"
and "UAV-Assisted"; a vision paper writes "Visual Place Recognition (VPR)". These look like
names (capitals, an acronym definition) but are fields, technologies, tasks and words. A
candidate outside the lexicon becomes an entity only on evidence that it names a method,
model, dataset or benchmark; this module holds the rules that read that evidence from the
name itself:

- the head (last word) of a defined long form: "... Distillation (SAD)" is a technique,
  "... Recognition (VPR)" a task, "... Platform (DSP)" a thing;
- a long form written in lower case ("electric vehicle (EV)") is a term unless its head
  says it is a method ("an adaptive task rate approach (AsTAR)");
- a hyphenated modifier ("LLM-Based", "UAV-Assisted", "RL-tuning") is not a name;
- common words as name parts ("Stage-1", "Top-5").

The words around a mention (``kg.extract.context``) and the corpus (``kg.corpus_stats``)
give the rest of the evidence; ``kg.extract.pipeline`` weighs them.
"""
from __future__ import annotations

import re

from ..normalize import variant_key

# Heads of long forms that name a technique, a model or a data artifact.
METHOD_HEADS = {
    "optimization", "optimisation", "distillation", "quantization", "quantisation", "reweighting",
    "weighting", "scaling", "selection", "normalization", "normalisation", "attention", "adapter",
    "adapters", "adaptation", "aggregation", "alignment", "augmentation", "decoding", "sampling",
    "sampler", "search", "tuning", "fine-tuning", "finetuning", "prompting", "pruning",
    "regularization", "regularisation", "encoding", "embedding", "embeddings", "bottleneck",
    "mechanism", "module", "framework", "method", "methods", "approach", "algorithm", "strategy",
    "descent", "clustering", "curriculum", "prior", "filter", "filtering", "fusion", "routing",
    "merging", "masking", "pooling", "propagation", "diffusion", "flow", "matching", "refinement",
    "decomposition", "factorization", "factorisation", "unlearning", "pretraining", "pre-training",
    "training", "inference", "reasoning", "planning", "retrieval-augmented", "generation",
    "editing", "steering", "guidance", "compression", "calibration", "consolidation", "replay",
    "analysis", "solver", "scheme", "procedure", "protocol", "estimator", "operator", "loss",
    "objective", "policy", "agent", "agents", "prompt", "tokenizer", "tokenization", "codebook",
    "head", "block", "layer", "layers", "unit", "units", "kernel", "kernels", "program",
    "programming", "heuristic", "rule", "tree", "trees", "forest", "boosting", "bagging",
    "ensemble", "gradient", "gradients", "regression", "update", "updates", "exploration",
    "pipeline", "paradigm", "technique", "recipe", "loop", "verification", "tracking", "mixing",
    "dropout", "initialization", "initialisation", "warmup", "schedule", "scheduler",
    "controller", "planner", "decoder", "encoder", "autoencoder", "autoencoders", "tokenizer",
    "field", "fields", "splatting", "sketch", "hashing", "coding", "quantizer",
}
MODEL_HEADS = {"model", "models", "network", "networks", "net", "transformer", "transformers",
               "former", "machine", "machines", "llm", "vlm", "mllm", "lm", "gpt", "bert", "mamba",
               "perceptron", "autoencoder", "gan", "vae", "backbone", "checkpoint", "assistant"}
DATA_HEADS = {"dataset": "Dataset", "datasets": "Dataset", "corpus": "Dataset", "corpora": "Dataset",
              "bank": "Dataset", "collection": "Dataset", "benchmark": "Benchmark",
              "benchmarks": "Benchmark", "suite": "Benchmark", "testbed": "Benchmark",
              "leaderboard": "Benchmark", "arena": "Benchmark", "challenge": "Benchmark"}
# "Network" names a model only in a neural context: "Graph Attention Network", not
# "Radio Access Network" or "Software-Defined Network".
_NEURAL = {"neural", "attention", "convolutional", "convolution", "residual", "recurrent",
           "adversarial", "graph", "deep", "siamese", "capsule", "spiking", "transformer",
           "belief", "memory", "kolmogorov-arnold", "pyramid", "feature", "generative", "encoder",
           "decoder", "gated", "dense", "fully", "recursive", "hypernetwork", "mixture", "expert",
           "experts", "diffusion", "variational", "language", "vision", "multimodal", "policy",
           "value", "q", "actor", "critic", "fusion", "aggregation", "u-net", "unet", "highway"}
# Heads of things that are not artifacts: tasks, fields and technologies, measures, objects.
# Tasks: a paper's own method may be named after its task ("Reward Difference Prediction").
TASK_HEADS = {
    "recognition", "segmentation", "detection", "classification", "retrieval", "answering",
    "localization", "localisation", "captioning", "translation", "summarization", "summarisation",
    "forecasting", "prediction", "identification", "re-identification", "reidentification",
    "estimation", "reconstruction", "synthesis", "understanding", "tagging", "parsing",
    "labeling", "labelling", "completion", "mapping", "navigation", "manipulation", "grasping",
    "control", "diagnosis", "screening", "monitoring", "surveillance",
}
# Heads of measures: what a paper defines with such a head is a metric even when
# it proposes it ("we propose the Trajectory Deviation Index (TDI)"), and metrics are no artifacts
MEASURE_HEADS = {
    "score", "scores", "rate", "rates", "ratio", "error", "errors", "accuracy", "precision",
    "recall", "index", "distance", "deviation", "divergence", "coefficient", "metric", "metrics",
    "measure", "measures", "criterion",
}


# Heads of ideas: what a paper states or names as a claim is no artifact either ("the Linear
# Centroids Hypothesis (LCH)", "Textual Frequency Law", "Semantic Rate-Distortion Theory")
IDEA_HEADS = {
    "hypothesis", "hypotheses", "law", "laws", "theory", "theories", "theorem", "conjecture",
    "dilemma", "trilemma", "paradox", "principle", "principles", "problem", "effect", "phenomenon",
}


NOT_ARTIFACT_HEADS = {
    # fields, technologies, systems, things
    "reality", "system", "systems", "platform", "platforms", "language", "languages", "vehicle",
    "vehicles", "device", "devices", "diode", "sensor", "sensors", "user", "users", "interaction",
    "interface", "communication", "communications", "computing", "intelligence", "things",
    "internet", "technology", "technologies", "mobility", "management", "content", "log",
    "logistics", "chain", "grid", "grids", "economy", "science", "sciences", "engineering",
    "informatics", "health", "care", "healthcare", "medicine", "therapy", "therapeutics",
    "imaging", "radar", "lidar", "camera", "cameras", "satellite", "satellites", "drone",
    "drones", "robot", "robots", "hardware", "software", "toolkit", "toolbox", "library", "sdk", "memory", "storage", "database",
    "databases", "cloud", "edge", "server", "servers", "infrastructure", "service", "services",
    "protocols", "standard", "standards", "architecture", "environment", "environments",
    "simulation", "landing", "takeoff", "flight", "traffic", "energy", "power", "market",
    "markets", "finance", "policy-making", "law", "regulation", "education", "learning-analytics",
    # quantities (and MEASURE_HEADS)
    "value", "values", "square", "squared", "mean", "variance", "consistency", "similarity",
    "latency", "throughput", "efficiency", "cost", "costs", "time", "delay", "loss-rate", "gain",
    "quality", "utility",
    # problems and objects of study
    "problem", "problems", "equation", "equations", "disease", "retinopathy", "syndrome",
    "disorder", "cancer", "tumor", "tumour", "expressions", "speech", "text", "image", "images",
    "video", "videos", "graph", "graphs", "matrix", "matrices", "space", "spaces", "function",
    "functions", "process", "processes", "condition", "conditions", "property", "properties",
    # (and IDEA_HEADS)
    # organisations and events
    "university", "institute", "laboratory", "lab", "center", "centre", "council", "agency",
    "organization", "organisation", "association", "society", "foundation", "consortium",
    "conference", "workshop", "symposium", "committee", "board", "office", "department",
    "ministry", "company", "corporation", "group", "team",
    # fields named by what they study
    "ai", "ml", "nlp", "iot", "ar", "vr", "xr", "mr",
} | MEASURE_HEADS | IDEA_HEADS
_ADJECTIVE = re.compile(r"(?:ive|al|ous|ic|ary|ible|able)$")
# A hyphenated modifier: "LLM-Based", "UAV-Assisted", "AI-Native", "RL-tuning", "KG-Augmented".
_MODIFIER_SUFFIX = re.compile(
    r"-(?:based|driven|enabled|assisted|native|aware|guided|powered|centric|centred|centered|oriented|"
    r"specific|agnostic|free|level|wise|like|style|enhanced|generated|augmented|informed|inspired|"
    r"friendly|ready|scale|induced|conditioned|empowered|integrated|supported|compatible|capable|"
    r"dependent|independent|related|relevant|only|first|heavy|intensive|sensitive|invariant|"
    r"equivariant|efficient|optimal|constrained|regularized|regularised|supervised|labeled|labelled|"
    r"annotated|tuning|tuned|training|trained|tagging|approximation|scaffolded|blackout|diagonalized|"
    r"diagonalised|generation|style|type|class|grade|time|making|in-the-loop|as-a-service|"
    r"[a-z]*ed|[a-z]*ing)$", re.I)  # "VLM-Directed", "LLM-Guided": any participle
# "Stage-1", "Top-5", "Level-2", "Phase-II": an ordinary word with a number.
_WORD_NUMBER = re.compile(
    r"^(?:Stage|Step|Phase|Level|Type|Part|Class|Top|Round|Task|Layer|Tier|Grade|Category|Group|"
    r"Region|Zone|Case|Scenario|Setting|Experiment|Study|Table|Figure|Fig|Section|Eq|Equation|"
    r"Day|Week|Year|Month|Hour|Epoch|Iteration|Option|Mode|Batch|Sample|Set|Subset|Split|Fold)"
    r"[-\s]?(?:\d+[A-Za-z]?|[IVX]+)$", re.I)


_PREPOSITIONS = {"of", "on", "for", "in", "with", "from", "via", "to", "under", "over", "by",
                 "through", "across", "against", "using", "towards", "toward", "without"}


def _head_words(long_form: str) -> list[str]:
    """The words up to the head noun, which comes before a prepositional phrase ("Learning
    on Egocentric Videos")."""
    words = re.findall(r"[\w][\w'-]*", long_form)
    cut = next((i for i, w in enumerate(words) if i > 0 and w.lower() in _PREPOSITIONS), len(words))
    return words[:cut]


def _head(name: str) -> str:
    """The head noun's last part, in lower case ("Cross-Entropy" -> "entropy")."""
    words = _head_words(name)
    return words[-1].lower().rsplit("-", 1)[-1] if words else ""


def measure_head(long_form: str) -> bool:
    """The long form's head says it is a measure ("... Deviation Index", "Spatial Narrative Score")."""
    return _head(long_form) in MEASURE_HEADS


def idea_head(name: str) -> bool:
    """A name of several words headed by what makes it a claim or a question, not an artifact:
    "Proxy Compression Hypothesis", "Adam's Law", "Value Conflict Dilemma"."""
    return " " in name.strip() and _head(name) in IDEA_HEADS


def long_form_type(long_form: str) -> tuple[str | None, str]:
    """What the head of a defined long form says: (type, rule); (None, 'task:...') for a task,
    (None, 'not-artifact:...') for a field, thing, measure or body; (None, '') for nothing."""
    words = _head_words(long_form)
    if not words:
        return None, ""
    head = words[-1].lower()
    last_part = head.rsplit("-", 1)[-1]
    if head in DATA_HEADS:
        return DATA_HEADS[head], f"long-form-head:{words[-1]}"
    if head in {"network", "networks", "net"}:
        if any(w.lower() in _NEURAL for w in words[:-1]):
            return "Model", f"long-form-head:{words[-1]}"
        return None, f"not-artifact:{words[-1]}"
    if head in MODEL_HEADS or last_part in {"former", "net"}:
        return "Model", f"long-form-head:{words[-1]}"
    if head in METHOD_HEADS or last_part in METHOD_HEADS:
        return "Method", f"long-form-head:{words[-1]}"
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*[A-Z]s", words[-1]):
        return None, f"not-artifact:{words[-1]}"  # "... MWEs", "Video-Language BERTs": a kind, in the plural
    if head in TASK_HEADS or last_part in TASK_HEADS:
        return None, f"task:{words[-1]}"
    if head in NOT_ARTIFACT_HEADS or last_part in NOT_ARTIFACT_HEADS:
        return None, f"not-artifact:{words[-1]}"
    if _ADJECTIVE.search(last_part) and len(words) <= 2:
        return None, f"not-artifact:{words[-1]}"  # "Auto-Regressive (AR)": a property
    return None, ""


def is_lowercase_phrase(text: str) -> bool:
    """'electric vehicle', 'part-of-speech': every letter-initial word starts lower case."""
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    return bool(words) and all(w[0].islower() for w in words) and not any(
        c.isupper() for w in words for c in w[1:])


def is_title_case_phrase(text: str) -> bool:
    """'Local Grammar Graph', 'Cross-age Identity Similarity': two or more words, each
    content word capitalised (connectors of/for/and... may stay lower case)."""
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    content = [w for w in words if w.lower() not in _PREPOSITIONS and w.lower() not in {"a", "an", "the", "and", "or"}]
    return len(content) >= 2 and all(w[0].isupper() for w in content)


def is_modifier(text: str) -> bool:
    """'LLM-Based', 'UAV-Assisted', 'RL-tuning', 'Grad-CAM-Based': a name made an adjective."""
    return "-" in text and bool(_MODIFIER_SUFFIX.search(text)) and not text.rsplit("-", 1)[-1].isupper()


def modifier_base(text: str) -> str | None:
    """'Grad-CAM-Based' -> 'Grad-CAM', 'CLIP-Driven' -> 'CLIP': the name a modifier is made of."""
    if not is_modifier(text):
        return None
    base = text[: text.rfind("-")]
    return base or None


def is_word_with_number(text: str) -> bool:
    return bool(_WORD_NUMBER.match(text))


_STRAY_CAPITAL_AT_END = re.compile(r"[A-Z]?[a-z]{3,}[A-Z]")


def has_irregular_case(text: str) -> bool:
    """'MAsk', 'aGent', 'REflection', 'eXplainable': one word with stray capitals, as titles
    write to spell an acronym into a word; not 'iPhone'-like names with a digit or a hyphen."""
    if "-" in text:  # "Self-ImprovemenT": a part with a stray capital at its end
        return any(_STRAY_CAPITAL_AT_END.fullmatch(part) for part in text.split("-"))
    if not text.isalpha() or len(text) < 4:
        return False
    if text[0].islower() and text[1].isupper() and text[2:].islower():
        return True  # aGent, eXplainable
    if text[:2].isupper() and text[2:].islower():
        return True  # REflection, MAsk (but not "ViT", "PPO")
    return False


_MEASURE_AFTER = re.compile(r"^\s*(?:=|≈|~|<|>|≤|≥|:)\s*[-+]?\d|^\s*(?:of|was|is|reached|drops?|fell|below|under)\s+"
                            r"(?:only\s+|about\s+|approximately\s+|around\s+)?[-+]?\d*\.?\d+\s*(?:%|m|s|ms|dB)?(?![\w-])")


def reads_as_measure(text: str, end: int) -> bool:
    """'SD = 0.24%', 'an MAE of 0.12', 'RMSE: 3.1': the name of a quantity with its value."""
    return bool(_MEASURE_AFTER.match(text[end:end + 40]))


# ---- what the corpus says (kg.corpus_stats) ------------------------------------------
# Thresholds read off the 100k-paper statistics: a form needs this many clearly cased
# mid-sentence occurrences, or this many papers voting, before the corpus speaks for it.
MIN_OCCURRENCES = 5
LOWERCASE_TERM = 0.7   # share of lower-case occurrences that makes a phrase a term
MIN_VOTES = 3
TERMISH_LONG_FORMS = 0.6  # share of an acronym's definitions that are terms or measures


def _termish_long_form(long: str) -> bool:
    rule = long_form_type(long)[1]
    return is_lowercase_phrase(long) or rule.startswith(("not-artifact", "task"))


def corpus_term(stats, text: str) -> str | None:
    """The rule by which the corpus shows ``text`` is a term, not a name: papers mostly
    write it in lower case ("Visual Place Recognition", "Knowledge Distillation", "ImPlicit"),
    its contexts are those of fields and technologies ("IoT devices"), or papers define the
    acronym as a term or a measure ("click-through rate (CTR)", "digital twin (DT)")."""
    if stats is None:
        return None
    s = stats.get(text)
    if s is None:
        return None
    # (capitals at a definition, "Large Language Models (LLMs)", count as capitals: a name is
    # capitalised where it is defined even by papers that then write it in lower case)
    n = s.capitalised + s.defined_capitalised + s.lowercase
    # (an acronym in capitals is written so on purpose: DRIVE the dataset is not "drive")
    letters = [c for c in text if c.isalpha()]
    if n >= MIN_OCCURRENCES and s.lowercase / n >= LOWERCASE_TERM and not (
            len(letters) >= 2 and all(c.isupper() for c in letters)):
        return f"corpus:lower-case {s.lowercase}/{n}"
    term = s.votes.get("term", 0)
    artifact = sum(v for t, v in s.votes.items() if t != "term")
    if term >= MIN_VOTES and term > artifact:
        return f"corpus:term-contexts {term}/{term + artifact}"
    if s.long_forms:
        total = sum(c for _, c in s.long_forms)
        termish = sum(c for lf, c in s.long_forms if _termish_long_form(lf))
        if total >= MIN_VOTES and termish / total >= TERMISH_LONG_FORMS:
            return f"corpus:defined-as '{s.long_forms[0][0]}'"
    return None


def corpus_type(stats, text: str, among: tuple[str, ...] = ("Method", "Model", "Dataset", "Benchmark"),
                min_share: float = 0.6) -> tuple[str, str] | None:
    """The type most papers' contexts give ``text`` ("the X dataset", "X achieves"), when
    enough papers agree."""
    if stats is None:
        return None
    s = stats.get(text)
    if s is None:
        return None
    votes = {t: v for t, v in s.votes.items() if t in among}
    total = sum(votes.values())
    if total < MIN_VOTES:
        return None
    best = max(votes, key=lambda t: (votes[t], t))
    if votes[best] / total < min_share:
        return None
    return best, f"corpus:{best} {votes[best]}/{total}"


def corpus_meaning_share(stats, short: str, long_forms: list[str]) -> float | None:
    """Of the corpus's definitions of the acronym ``short``, the share that are one of
    ``long_forms`` (a lexicon entry's): low for MAE = Masked Autoencoders, whose papers
    mostly mean the mean absolute error."""
    if stats is None:
        return None
    s = stats.get(short)
    if s is None or not s.long_forms:
        return None
    total = sum(c for _, c in s.long_forms)
    if total < MIN_OCCURRENCES:
        return None
    mine = [content_words(f) for f in long_forms]
    return sum(c for lf, c in s.long_forms if any(_same_meaning(content_words(lf), m) for m in mine)) / total


def same_meaning(a: str, b: str) -> bool:
    """Two long forms of one thing: one's words within the other's, or mostly shared."""
    return _same_meaning(content_words(a), content_words(b))


def content_words(text: str) -> set[str]:
    """The words of a name without its function words, singular and American: "Diffusion
    Transformers" has the words of "Diffusion Transformer"."""
    return {variant_key(w) for w in re.split(r"[\s\-]+", text.lower()) if w and w not in _PREPOSITIONS
            and w not in {"a", "an", "the", "and"}}


def _same_meaning(a: set[str], b: set[str]) -> bool:
    """'Policy Optimization' (a definition cut short) is 'Proximal Policy Optimization'."""
    return bool(a and b) and (a <= b or b <= a or len(a & b) / len(a | b) >= 0.6)


def is_ordinary_word(stats, text: str) -> bool:
    """'Quality', 'Multiple', 'Glove': a word papers also write in lower case."""
    if stats is None:
        return False
    s = stats.get(text)
    return s is not None and s.lowercase >= 3 and s.lowercase / max(1, s.capitalised + s.lowercase) >= 0.3


def written_as_a_name(stats, phrase: str) -> bool:
    """A phrase of three or more words that papers mostly write with capitals ("Direct
    Preference Optimization": 28% of its uses in lower case; "knowledge distillation" 86%): in
    lower case it is still that name, not a description."""
    if stats is None or len(re.findall(r"[A-Za-z]+", phrase)) < 3:
        return False
    s = stats.get(phrase)
    if s is None:
        return False
    n = s.capitalised + s.defined_capitalised + s.lowercase
    return n >= 20 and s.lowercase / n < NAME_LOWERCASE


NAME_LOWERCASE = 0.4


ESTABLISHED_LOWERCASE = 0.3


def corpus_established(stats, text: str) -> bool:
    """An established term, not a coinage: papers also write it in lower case ("finite state
    machine", "entity recognition"), so "we propose a X ..." uses it rather than names it.
    (How many papers use a name says nothing here: a famous name was once new too.)"""
    if stats is None:
        return False
    s = stats.get(text)
    if s is None:
        return False
    n = s.capitalised + s.lowercase
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return False
    return n >= MIN_OCCURRENCES and s.lowercase / n >= ESTABLISHED_LOWERCASE


_SKIP_WORDS = {"a", "an", "the", "of", "for", "and", "with", "via", "in", "on", "to", "from", "by"}


def spelled_out(acronym: str, text: str) -> str | None:
    """The words at the start of ``text`` whose initials spell ``acronym`` ("ORCA",
    "Open-ended Response Correctness Assessment ..."), or None. A hyphenated word may give
    the letter by any of its parts ("Structure-Aware" gives the A of DAPO)."""
    letters = [c for c in acronym if c.isalpha()]
    if any(c.isupper() for c in letters) and any(c.islower() for c in letters):
        letters = [c for c in letters if c.isupper()]  # LoRA: L, R, A
    letters = [c.lower() for c in letters]
    if not 2 <= len(letters) <= 10 or sum(c.isupper() for c in acronym) < 2:
        return None
    words = re.findall(r"[\w][\w'-]*", text)[: len(letters) + 4]
    i, used = 0, 0
    for n, w in enumerate(words):
        if i == len(letters):
            break
        parts = [p for p in w.lower().split("-") if p]
        hit = next((k for k, part in enumerate(parts) if part[0] == letters[i]), None)
        if hit is None:
            if w.lower() in _SKIP_WORDS:
                continue
            return None
        i += 1
        # further letters may come from the later parts of the same hyphenated word
        for part in parts[hit + 1:]:
            if i < len(letters) and part[0] == letters[i]:
                i += 1
        used = n + 1
    return " ".join(words[:used]) if i == len(letters) else None
