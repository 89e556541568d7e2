"""What the words around a name say about it: its type, and whether the paper proposes it.

Each function looks at a small window of tokens next to a span and returns a verdict with
the name of the rule that decided, so that ``kg explain`` can show why.
"""
from __future__ import annotations

import re

from spacy.lang.en.lex_attrs import like_num  # what Token.like_num reads in English
from spacy.tokens import Doc, Span

from . import evidence, prefilter
from .sentences import sentence, text_of, token_texts

# Head nouns that type the name they follow or precede: "the X benchmark", "dataset X".
TYPE_NOUNS = {
    "benchmark": "Benchmark", "benchmarks": "Benchmark", "leaderboard": "Benchmark",
    "testbed": "Benchmark", "test": "Benchmark", "suite": "Benchmark", "arena": "Benchmark",
    "challenge": "Benchmark", "competition": "Benchmark",  # "the RARE25 challenge", "FOMO25 Challenge"
    "evaluation": "Benchmark",
    "dataset": "Dataset", "datasets": "Dataset", "corpus": "Dataset", "corpora": "Dataset",
    "data": "Dataset", "collection": "Dataset",
    "model": "Model", "models": "Model", "llm": "Model", "llms": "Model", "lm": "Model",
    "mllm": "Model", "vlm": "Model", "network": "Model", "agent": "Method", "encoder": "Model",
    "decoder": "Model", "backbone": "Model", "checkpoint": "Model", "family": "Model",
    "assistant": "Model", "chatbot": "Model", "transformer": "Model", "captioner": "Model",
    "method": "Method", "approach": "Method", "framework": "Method", "algorithm": "Method",
    "technique": "Method", "objective": "Method", "loss": "Method", "strategy": "Method",
    "paradigm": "Method", "pipeline": "Method", "mechanism": "Method", "module": "Method",
    "scheme": "Method", "procedure": "Method", "recipe": "Method", "prompting": "Method",
    "training": "Method", "tuning": "Method", "optimization": "Method", "learning": "Method",
    "distillation": "Method", "attention": "Method", "alignment": "Method",
}
# Plural (and class) nouns that introduce lists of names: "models such as X and Y",
# "three pretrained FMs (X, Y, Z)", "baselines, including X", "X, a multimodal VAE".
CLASS_NOUNS = {
    "models": "Model", "llms": "Model", "mllms": "Model", "vlms": "Model", "lms": "Model",
    "fms": "Model", "networks": "Model", "architectures": "Model", "backbones": "Model",
    "detectors": "Model", "encoders": "Model", "transformers": "Model", "checkpoints": "Model",
    "vae": "Model", "vaes": "Model", "gan": "Model", "gans": "Model", "cnn": "Model", "rnn": "Model",
    "vlm": "Model", "mllm": "Model", "llm": "Model", "detector": "Model", "classifier": "Model",
    "architecture": "Model", "system": "Model",
    "methods": "Method", "approaches": "Method", "algorithms": "Method", "techniques": "Method",
    "baselines": "Method", "baseline": "Method", "frameworks": "Method", "solver": "Method",
    "solvers": "Method", "engine": "Method", "layer": "Method", "strategies": "Method",
    "datasets": "Dataset", "corpora": "Dataset", "benchmarks": "Benchmark",
}
# Names whose last part says what they are: HumanEval, TVBench, WebArena, NarrativeQA.
_SUFFIX_TYPES = [
    # a parameter count makes a checkpoint, whatever follows: "Qwen3-VL-8B-Instruct"
    (re.compile(r"(?i)(?:^|[-_ ])\d+(?:\.\d+)?B(?:[-_ ][A-Za-z0-9]+)*$"), "Model"),
    (re.compile(r"(?:Bench|bench|BENCH|Eval|EVAL|Arena|Test|Exam|QA(?![A-Z])|GLUE|Leaderboard)(?:[-\d.+ ]*[A-Za-z]{0,4})?$"), "Benchmark"),
    (re.compile(r"(?:Set|Corpus|Data|DB|Instruct|Pile|Crawl|Pref|Preference)[-\d]*$"), "Dataset"),
    (re.compile(r"-?\d+(?:\.\d+)?[MKk]$"), "Dataset"),  # WebVid-2M, HD-VG-130M, Feint6K, SynFlow-4k
    (re.compile(r"(?i)[-_ ]?\d+(?:\.\d+)?B(?:[-_ ](?:Instruct|Chat|Base|Reward|R))*$|(?:GPT|LLaMA|Llama|BERT|BART|T5|LM|Net|Former|former|VLM|LLM|Coder|Chat|Captioner|Diffusion|ViT|CLIP|Vicuna|Qwen|Mistral|Gemma)(?:\b|\d)"), "Model"),
]
# words before a verb: "we benchmark X", "to model X"
_SUBJECTS = {"we", "to", "they", "also", "further", "then", "first", "extensively", "systematically",
             "comprehensively", "carefully"}
_SKIP_BEFORE = {"the", "a", "an", "new", "novel", "our", "(", "human", "preference", "large-scale",
                "evaluation", "test", "public", "popular", "challenging", "standard", "proposed"}


def type_from_context(doc: Doc, span: Span, look_before: bool = True) -> tuple[str, str] | None:
    """A type from the nouns right after ("X benchmark", "X (XB) model"), right before
    ("dataset X", "a new dataset (X)") or in an apposition ("X, a benchmark of ...")."""
    i = span.end
    # skip a parenthesised short form: "Event-guided Planning (E3P) model"
    if i < len(doc) and doc[i].text == "(":
        j = i + 1
        while j < len(doc) and j < i + 4 and doc[j].text != ")":
            j += 1
        i = j + 1
    elif i < len(doc) and doc[i].text == ")":
        i += 1
    for t in doc[i: i + 3]:
        if t.is_punct and t.text not in "-":
            break
        typ = TYPE_NOUNS.get(t.lower_)
        if typ in ("Dataset", "Benchmark") and t.lower_ in {"benchmarks", "datasets", "corpora", "data"}:
            break  # "VQA benchmarks", "EHR datasets", "TIR data": a kind of data, not a name
        if typ:
            # "X-based model", "X data" are about something else when X is plural or generic
            if t.lower_ in {"data", "learning", "training", "tuning", "evaluation", "test",
                            "attention", "alignment", "optimization", "loss"} and t.i != i:
                continue
            return typ, f"context:'{span.text} {t.text}'"
        if not (t.is_title or t.is_upper or like_num(t.text)):
            break
    # (not for the short form of a definition: "consistency model (MCM)" says nothing of MCM
    # that the long form does not say itself)
    texts = token_texts(doc)
    for j in range(span.start - 1, max(span.start - 4, 0) - 1, -1) if look_before else ():
        lower = texts[j].lower()  # (spaCy's Token.lower_)
        typ = TYPE_NOUNS.get(lower)
        if typ in ("Benchmark", "Dataset", "Model") and lower not in {"data", "evaluation", "test", "learning"}:
            prev = texts[j - 1].lower() if j > 0 else ""
            if prev in _SUBJECTS:
                break  # "we benchmark CTGAN, TVAE", "to model X": a verb, no kind of X
            if typ == "Dataset" and prev in {"evaluation", "test", "benchmark"}:
                typ = "Benchmark"  # "evaluation datasets X"
            return typ, f"context:'{texts[j]} {span.text}'"
        if lower not in _SKIP_BEFORE:
            break
    m = _APPOSITION.match(text_of(doc)[span.end_char: sentence(span).end_char])
    if m:
        noun = m.group("noun").lower()
        typ = TYPE_NOUNS.get(noun) or CLASS_NOUNS.get(noun)
        if typ:
            return typ, f"apposition:'{m.group('noun')}'"
    return None


_LIST_INTRO = re.compile(
    r"\b(?P<noun>[A-Za-z]+)\s*(?:\([^()]{1,12}\)\s*)?,?\s*(?:such\s+as|including|like|e\.g\.,?|namely|\(|:)\s*"
    r"(?:[^,;:()]{1,40}?(?:\s*\([^()]{0,24}\))?\s*,\s*(?:and\s+|or\s+)?)*(?:and\s+|or\s+)?$", re.I)
_SCORE_AFTER = re.compile(r"^\s*(?:\(\s*[-+]?\d[\d.,]*\s*%?|[-+]?\d+(?:\.\d+)?\s*(?:%|→|->|rightarrow))")
# "ARC-DA 31.6 -> 52.1 F1", "+7.6% on ImageCoDe": a score reported on X
_SCORE_CHANGE_AFTER = re.compile(r"^\s*:?\s*[-+]?\d+(?:\.\d+)?\s*%?\s*(?:→|->|rightarrow|to\s+\d)")
_SCORE_BEFORE = re.compile(r"[-+]?\d+(?:\.\d+)?\s*(?:%|points?|pp)\s+(?:\w+\s+)?(?:on|in)\s+(?:the\s+)?$", re.I)
_BEATEN_BEFORE = re.compile(r"\b(?:surpass\w*|outperform\w*|beat\w*|than|over|versus|vs\.?|against)\s+"
                            r"(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.I)
_DOES_AFTER = re.compile(r"^\s*(?:\([^()]{0,30}\)\s*)?(?:achieves|outperforms|surpasses|attains|obtains|"
                         r"reaches|yields|delivers|improves|exceeds|distills|generates|predicts|"
                         r"learns|reduces|enables|consistently|significantly|also)\b")


_CLASS_BEFORE = re.compile(r"\b(?:method|algorithm|approach|baseline|framework|solver|technique)\s+$", re.I)


def _tail_word(left: str) -> str:
    """The end of ``left`` that a pattern anchored at the end, of a word of at most 10
    letters and the spaces after it, can match: the same match at a fraction of the cost
    of searching all of ``left``."""
    body = left.rstrip()
    return left[max(len(body) - 11, 0):]


def _may_introduce_list(left: str) -> bool:
    """False when ``left`` holds none of _LIST_INTRO's introducers (checked as that
    case-insensitive pattern matches them, with the letters that fold to ASCII)."""
    return "(" in left or ":" in left or prefilter.has_any(prefilter.fold(left), ("such", "includ", "like", "e.g", "namely"))


# the noun right after the name ("the Tolerant Recall metric"; not the verb "X measures the
# gap", nor "the SELFDOUBT score" of a method), or an apposition headed by it ("SWAY, an
# unsupervised measure of ...", "Gram-MMD (GMMD), a realism metric")
_METRIC_AFTER = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?(?:metrics?|measure|criterion)\b(?!\s+(?:of|to|for)\s+(?:the|a|an)\b)"
    r"|^\s*(?:\([^()]{0,30}\)\s*)?,\s*(?:a|an|the)\s+(?:(?!(?:for|of|to|and|with|in|on|framework|method|model|"
    r"benchmark|dataset)\b)[\w-]+\s+){0,3}?(?:metric|measure|score|criterion)\b", re.I)
# "a novel metric, X", "a new measure called X"
_METRIC_BEFORE = re.compile(r"\b(?:a|an|the|new|novel|proposed)\s+(?:[\w-]+\s+){0,2}?(?:metric|measure)\s*,?\s*"
                            r"(?:(?:called|named|termed|dubbed)\s+)?$", re.I)


def names_a_metric(doc: Doc, span: Span) -> bool:
    """The sentence says ``span`` is a metric: "a novel metric, Semantic Recall", "the
    Tolerant Recall metric", "SWAY, a measure of ...". Metrics are no artifacts."""
    text = text_of(doc)
    sent = sentence(span)
    right = text[span.end_char: min(sent.end_char, span.end_char + 80)]
    if _METRIC_AFTER.match(right):
        return True
    return _METRIC_BEFORE.search(text[max(sent.start_char, span.start_char - 40): span.start_char]) is not None


def type_from_neighbours(doc: Doc, span: Span) -> tuple[str, str] | None:
    """'models such as X', 'FMs (X, Y, Z)': the noun that introduces a list; 'X (87.2%)' after
    'on ...': a score on a benchmark; 'X achieves', 'surpassing X (0.71)': a method at work."""
    sent = sentence(span)
    text = text_of(doc)
    left = text[max(sent.start_char, span.start_char - 160): span.start_char]
    right = text[span.end_char: sent.end_char]
    m = _LIST_INTRO.search(left) if _may_introduce_list(left) else None
    if m:
        typ = CLASS_NOUNS.get(m.group("noun").lower())
        if typ:
            return typ, f"list-after:'{m.group('noun')}'"
    if _SCORE_AFTER.match(right):
        if _BEATEN_BEFORE.search(left[-60:]):
            return "Method", "role:surpassing X (score)"
        if _ON_ACROSS_IN.search(left[-80:]) and _EVAL_WORDS.search(left):
            return "Benchmark", "role:score on X"
    if _SCORE_CHANGE_AFTER.match(right) or _SCORE_BEFORE.search(left[-40:]):
        return "Benchmark", "role:score on X"
    if _DOES_AFTER.match(right):
        return "Method", "role:X achieves"
    before = _CLASS_BEFORE.search(_tail_word(left))
    if before:
        return "Method", f"context:'{before.group(0).strip()} {span.text}'"
    return None


# (adjectives may be listed with commas: "the first large-scale, multi-domain benchmark")
_APPOSITION = re.compile(r"^\s*(?:\([^)]*\)\s*)?,\s*(?:a|an|the)\s+(?:[\w-]+,?\s+){0,3}?(?P<noun>[A-Za-z]+)\b"
                         r"(?=\s+(?:of|for|that|which|to|with|comprising|containing|consisting|designed|built|"
                         r"covering|featuring|where)\b|\s*[,.;])", re.I)
# A name that says what it is: "Human Preference Dataset v2", "Needle Benchmark".
_LITERAL = re.compile(r"\b(?P<w>Dataset|Corpus|Benchmark)s?\b", re.I)


# what may follow the head word in the name: a version, a year, a size ("Dataset v2", "Benchmark 2.0")
_AFTER_HEAD = re.compile(r"^(?:[\s-]+(?:v?\d[\w.]*|[IVX]+|\(\w+\)))*\s*$")


def type_from_literal_name(name: str) -> tuple[str, str] | None:
    """"Human Preference Dataset v2", "Needle Benchmark": a name headed by what it is (not
    "Benchmark Agent", "Dataset Distillation": there the word is a modifier)."""
    m = next((m for m in _LITERAL.finditer(name) if _AFTER_HEAD.match(name[m.end():])), None)
    if not m:
        return None
    w = m.group("w").lower()
    return ("Benchmark" if w == "benchmark" else "Dataset"), f"name-says:{m.group('w')}"


def type_from_name(name: str) -> tuple[str, str] | None:
    for pattern, typ in _SUFFIX_TYPES:
        if pattern.search(name):
            return typ, f"name-shape:{typ}"
    return None


_EVAL_WORDS = re.compile(
    r"\b(?:evaluat\w*|experiments?|results?|performance|accuracy|sota|state-of-the-art|achiev\w*|"
    r"benchmark\w*|tested|scores?|improv\w*|gains?|outperform\w*|surpass\w*|competitive|"
    r"zero-shot|few-shot|validat\w*|demonstrat\w*|effectiveness)\b", re.I)


_ON_ACROSS_IN = re.compile(r"\b(?:on|across|in)\b", re.I)
# (on ``near``, in lower case)
_FINE_TUNE_BEFORE = re.compile(r"\b(?:fine-?tun\w*|pre-?train\w*|distill\w*|prompt\w*|quantiz\w*)\s+(?:the\s+|a\s+)?$")
_TRAINED_ON_BEFORE = re.compile(r"\b(?:trained|pre-?trained|fine-?tuned|curated from|collected from)\s+(?:\w+\s+){0,2}on\s+(?:the\s+)?$")
_ON_BEFORE = re.compile(r"\b(?:on|across)\s+(?:the\s+)?(?:\w+\s+)?$")


def type_from_role(doc: Doc, span: Span) -> tuple[str, str] | None:
    """'evaluated on X', 'trained on X', 'fine-tune X': the verb says what X is."""
    left = text_of(doc)[sentence(span).start_char: span.start_char]
    near = left[-60:].lower()
    if _FINE_TUNE_BEFORE.search(near):
        return "Model", "role:fine-tune X"
    if _TRAINED_ON_BEFORE.search(near):
        return "Dataset", "role:trained on X"
    if _ON_BEFORE.search(near) and _EVAL_WORDS.search(left) \
            and not _DEVICE_AFTER.match(text_of(doc)[span.end_char: span.end_char + 40]):
        return "Benchmark", "role:evaluated on X"
    # "On CIFAR-10, our model achieves an FID of 3.36": the sentence opens with what it reports on
    if _OPENS_ON.match(left) and _EVAL_WORDS.search(text_of(doc)[span.end_char: sentence(span).end_char]):
        return "Benchmark", "role:results on X"
    return None


_OPENS_ON = re.compile(r"^\s*(?:On|Across)\s+(?:the\s+)?$")


# "evaluated on the Unitree Go2 robot", "tested on an NXP FRDM-MCXN947 board": hardware, no benchmark
_DEVICE_AFTER = re.compile(r"^\s*(?:\([^()]{0,30}\)\s*)?(?:[\w-]+\s+)?(?:robots?|quadrupeds?|humanoids?|boards?|"
                           r"devices?|microcontrollers?|MCUs?|GPUs?|chips?|processors?|FPGAs?|smartphones?|phones?|"
                           r"drones?|vehicles?|hardware|edge\s+devices?|"
                           # "validated on three tetralogy of Fallot (ToF) patients": people, no benchmark
                           r"patients|subjects|participants|volunteers)\b", re.I)


# Verbs by which a paper introduces its own artifact.
PROPOSE_VERBS = re.compile(
    r"\b(?:we|this (?:paper|work|study|article|letter|thesis|report|manuscript)|here,? we|"
    r"in this (?:paper|work|study|article|letter|thesis),? we|our (?:study|work|paper|article))\s+"
    r"(?:\w+\s+){0,2}?"
    r"(?:propose|proposes|introduce|introduces|present|presents|develop|develops|build|builds|"
    r"construct|constructs|release|releases|design|designs|create|creates|curate|curates|"
    r"collect|collects|contribute|contributes|establish|establishes|devise|devises|outline|outlines|"
    r"offer|offers|train|trains|unveil|unveils|put forward|derive|insert|inserts|"
    r"proposed|introduced|presented|developed|built|constructed|released|designed|created|curated|"
    r"devised|trained|unveiled)\b",
    re.I)
# "... leverage it to propose HELVAE", "and introduce X": the verb right before the name
TO_PROPOSE = re.compile(r"\b(?:to|and)\s+(?:propose|introduce|present|develop|design|build|create|curate|release)"
                        r"\s+(?:(?:a|an|the)\s+(?:new\s+|novel\s+)?)?$"
                        # "... and introduce a statistically efficient algorithm ED-PBRL"
                        r"|\b(?:to|and|we)\s+(?:propose|introduce|present|develop|design)\s+(?:a|an)\s+(?:[\w-]+\s+){0,5}?"
                        r"(?:algorithm|method|framework|model|approach|system|benchmark|dataset|technique|pipeline|"
                        r"architecture|agent)\s*,?\s*$", re.I)
_SPELLED = re.compile(r"^\s*(?:,\s*(?:a|an|the)\s+|\(\s*)(?P<words>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){1,7})")


def _spells_out(name: str, right: str, known_forms: tuple[str, ...] | None = None) -> bool:
    """'PASE, a Planning-Aware Semantic self-healing Engine': the words after the name spell
    it out, as a paper does for the name it coins. A known name spelled out as its own long
    form is only defined ("NLLB (No Language Left Behind)"); spelled out as something else,
    it is coined anew ("SIFT (spectral interference-free training)")."""
    letters = [c for c in name if c.isalpha()]
    if not 2 <= len(letters) <= 8 or not all(c.isupper() for c in letters):
        return False
    m = _SPELLED.match(right)
    if not m:
        return False
    words = m.group("words")
    initials = "".join(part[0] for w in words.split() for part in w.split("-") if part)
    if not initials.upper().startswith("".join(letters)):
        return False
    return known_forms is None or not any(" " in f and evidence.same_meaning(words, f) for f in known_forms)


# (the participles in lower case, or opening the sentence: "Named Entity Recognition" names no
# entity recognition; "Called NeuroQuant, it ..." does name NeuroQuant)
NAMING = re.compile(r"(?:\b(?-i:called|named|dubbed|termed|coined|entitled)|^(?-i:Called|Dubbed|Termed)|\bnamely"
                    r"|\bdenoted(?: as)?)\s*,?\s*$", re.I)
OUR = re.compile(r"\b(?:our|the proposed|our proposed|our new|the resulting)\s+(?:[\w-]+[\s,:]+){0,2}$", re.I)
# "our experiments on X", "our results with X": X is what the paper's work is done on
_OUR_THEN_PREPOSITION = re.compile(r"\b(?:on|with|using|across|over|for|from|of|than|to|in|against|by|via|at|into|"
                                   r"under|between|among|versus|vs\.?)\s*[,:]?\s*$", re.I)
# "a novel X", "two new benchmarks X and Y", "a new dataset (X)"
NEW_THING = re.compile(
    r"\b(?:a|an|our|the|two|three|several)\s+(?:(?:key|first|simple|large-scale|carefully[- ]designed)\s+)?"
    r"(?:novel|new|proposed|innovative)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:(?:benchmark|dataset|model|method|framework|technique|objective|module|approach|corpus|suite|"
    r"algorithm|paradigm|strategy|pipeline|system|architecture|loss|metric|task|family|recipe)s?\s*[,:(]?\s*)?$",
    re.I)
OUR_INNOVATION = re.compile(r"\bour\s+(?:\w+\s+)?(?:innovation|contribution|method|approach|idea|solution|model)s?\s+"
                            r"(?:is|are|includes?)\s+(?:the\s+|a\s+|an\s+)?$", re.I)
# "several innovative methods ..., X and Y": names listed after a plural announcement
ANNOUNCE_PLURAL = re.compile(
    r"\b(?:two|three|four|several|a few)\s+(?:\w+\s+){0,2}?(?:methods|models|benchmarks|datasets|techniques|"
    r"components|modules|strategies|objectives|frameworks)\b[^.;]*$", re.I)
APPOSITION_NEW = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?,\s*(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:novel|new|simple|first|unified|general|"
    r"large-scale|comprehensive|efficient|effective|scalable|lightweight|challenging|principled|designed|"
    r"proposed|carefully)\b", re.I)
# "X is proposed", "X is then introduced": the paper's own, in the present tense
_PASSIVE_PROPOSED = re.compile(r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:is|are)\s+(?:then\s+|further\s+|also\s+|first\s+|hence\s+)?"
                               r"(?:proposed|introduced|presented|developed|designed|constructed|devised)\b", re.I)
# "... is proposed by Smith et al.", "... introduced in [12]": someone else's
_PASSIVE_BY_OTHERS = re.compile(r"^\s*(?:by|in\s+(?:\[|\(|\d|prior|previous|earlier|recent)|earlier|previously|before)", re.I)
IS_NEW = re.compile(r"^\s*(?:\([^)]*\)\s*)?,?\s*(?:is|as)\s+(?:a|an|the)\s+(?:\w+\s+){0,3}?(?:novel|new|first)\b", re.I)


_PARENTHESIS = re.compile(r"^\s*\(([^)]*)\)")


def _inside_longer_name(left: str, right: str, forms: tuple[str, ...]) -> bool:
    """'we introduce Cost-Aware GRPO, an algorithm ...', '... Sampling with Group Relative
    Policy Optimization (TAFS GRPO), a novel framework': what follows describes a longer name
    that holds the known one (a capitalised word right before it, or a parenthesis that is not
    one of its forms)."""
    words = left.split()
    if left[-1:] == " " and words and words[-1][:1].isupper() and words[-1][-1:].isalnum():
        return True
    m = _PARENTHESIS.match(right)
    return m is not None and m.group(1).strip() not in forms


# "proposes a one-hot coding (OHC)-based URA framework": the name modifies what is proposed
_MODIFIES_AFTER = re.compile(r"^\s*(?:\([^()]{1,20}\))?\s*-\s*(?:based|driven|guided|aware|enhanced|assisted|inspired|powered)\b",
                             re.I)
_ENDS_IN_PREPOSITION = re.compile(r"\b(?:into|to|in|on|for|with|from|by|of|onto|within|across)\s+(?:the\s+)?$", re.I)
_PLURAL_BEFORE = re.compile(r"\b(?!\w*(?:ss|us|is)\b)\w{3,}s\s*[,:\u2013\u2014-]?\s*$")


# Words each match of a pattern holds (after kg.extract.prefilter.fold): a text with none of
# them is not searched (most sentences propose nothing; these patterns end in ``$`` and are
# tried at every character).
_PROPOSE_VERB_WORDS = ("propos", "introduc", "present", "develop", "build", "built", "construct",
                       "releas", "design", "creat", "curat", "collect", "contribut", "establish",
                       "devis", "outline", "offer", "train", "unveil", "put", "deriv", "insert")
_NAMING_WORDS = ("called", "named", "dubbed", "termed", "coined", "entitled", "namely", "denoted")
_TO_PROPOSE_WORDS = ("propose", "introduce", "present", "develop", "design", "build", "create",
                     "curate", "release")
_NEW_THING_WORDS = ("novel", "new", "proposed", "innovative")


def _naming(left: str, folded: str) -> re.Match | None:
    return NAMING.search(left) if prefilter.has_any(folded, _NAMING_WORDS) else None


def _to_propose(left: str, folded: str) -> bool:
    return prefilter.has_any(folded, _TO_PROPOSE_WORDS) and TO_PROPOSE.search(left) is not None


def names_or_proposes_right_before(left: str, folded: str) -> bool:
    """``left`` ends in a naming ("called", "namely") or a verb of proposal right before what
    follows ("to propose", "and introduce a new framework"). ``folded``: ``prefilter.fold(left)``."""
    return _to_propose(left, folded) or _naming(left, folded) is not None


def after_propose_verb(left: str, folded: str | None = None) -> str | None:
    """What ``left`` holds after its last verb of proposal ("we propose", "this paper
    introduces"), or None without one. ``folded``: ``prefilter.fold(left)``, if at hand."""
    if not prefilter.has_any(folded if folded is not None else prefilter.fold(left), _PROPOSE_VERB_WORDS):
        return None
    m = None
    for m in PROPOSE_VERBS.finditer(left):
        pass
    return left[m.end():] if m is not None else None


def proposed_by_context(doc: Doc, span: Span, known_forms: tuple[str, ...] | None = None) -> str | None:
    """The rule by which the sentence says the paper introduces ``span``, or None.
    ``known_forms``: the forms of the lexicon entry ``span`` names, if it names one; a known
    name is introduced only by words that say so of it, not of a longer name it is part of."""
    sent = sentence(span)
    left = text_of(doc)[sent.start_char: span.start_char]
    right = text_of(doc)[span.end_char: sent.end_char]
    folded = prefilter.fold(left)
    naming = _naming(left, folded)
    # "a VLM - namely, CLIP": an example of a kind, unless the name is a new one; "three
    # image sets, namely DSTL, Potsdam and Hunan": examples of a plural, not a naming
    if naming and naming.group(0).lower().startswith("namely") and (
            known_forms is not None or _PLURAL_BEFORE.search(left[:naming.start()])):
        naming = None
    if naming:
        return "proposed:named"
    if _to_propose(left, folded):
        return "proposed:we-propose-direct"
    if _spells_out(span.text, right, known_forms):
        return "proposed:apposition"  # "PASE, a Planning-Aware Semantic self-healing Engine"
    if (APPOSITION_NEW.match(right) or IS_NEW.match(right)) and (
            known_forms is None or not _inside_longer_name(left, right, known_forms)):
        return "proposed:apposition"
    passive = _PASSIVE_PROPOSED.match(right) if known_forms is None else None
    if passive and not _PASSIVE_BY_OTHERS.match(right[passive.end():]):
        return "proposed:passive"  # "Then I-NS-ADMM is introduced to handle inexact steps"
    if prefilter.has_any(folded[-90:], _NEW_THING_WORDS) and NEW_THING.search(left[-90:]):
        return "proposed:new-thing"
    if "our" in folded[-80:] and OUR_INNOVATION.search(left[-80:]):
        return "proposed:our-contribution"
    between = after_propose_verb(left, folded)
    if between is not None:
        if _ENDS_IN_PREPOSITION.search(between) or _MODIFIES_AFTER.match(right):
            # "this paper introduces them into X", "a variant of X": X is no new thing; nor is
            # X in "a X-based framework"
            return None
        # the name follows the verb closely: "we propose X", "we introduce a new benchmark, X"
        if len(between.split()) <= 2:
            return "proposed:we-propose-direct"
        if len(between.split()) <= 8 and not re.search(
                r"\b(?:using|with|by|from|based on|on|over|than|via|to|for)\b", between, re.I):
            return "proposed:we-propose"
        if ANNOUNCE_PLURAL.search(between):
            return "proposed:we-propose-list"
    if "our" in left[-40:].lower() and OUR.search(left[-40:]) and not _OUR_THEN_PREPOSITION.search(left[-40:]):
        return "proposed:our"
    return None
