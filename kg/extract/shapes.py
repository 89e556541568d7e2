"""Names the lexicon does not know, found from their shape.

A token looks like a name when it is written the way the field writes names: an acronym
(MSR-VTT, CLOOB), CamelCase (HumanEval, CrossVideoMAE), letters with digits (Feint6K,
GPT4V, T5), or a capitalised word with a hyphenated part (Diffusion-DPO). A following
version or size ("BLOOM 175B", "Llama 3.1", "UL2 20B") stays part of the name.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from spacy.attrs import IS_ALPHA, IS_LOWER, IS_TITLE
from spacy.tokens import Doc, Span

from .lexicon import MODEL_TIERS
from .sentences import token_texts

_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Za-z0-9][A-Za-z0-9\-+.@']*[A-Za-z0-9+]$")
_CAMEL = re.compile(r"^[A-Za-z]*[a-z][A-Z][A-Za-z0-9\-]*$|^[A-Z][a-z]+[A-Z]")
_ALNUM = re.compile(r"^[A-Z][A-Za-z]*\d[A-Za-z0-9\-.]*$|^[A-Z][A-Za-z]+-\d[A-Za-z0-9\-.]*$")
_HYPHEN_CAP = re.compile(r"^[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+$")
# What may follow a name as part of it: a small version ("Llama 3.1", "Qwen 2.5"), a year
# ("BraTS 2025", "COCO 2017"), a size
# ("BLOOM 175B", "UL2 20B", "8x7B"), a release ("v1") or a tier ("XL", "Pro", "Haiku").
# a model family's tiers, after a version ("2.5-Flash", "V4-Flash") or alone ("Pro")
_TIERS = MODEL_TIERS
_VERSION = re.compile(
    r"^(?:1?\d(?:\.\d)?(?:-(?:{tiers}))?|(?:19|20)\d\d|\d+(?:\.\d+)?[BMbm]|\d+x\d+[BMbm]|"
    # a version with a size (and tags): "LLaMA 2-7B", "Qwen 2.5-7B-Instruct", "Llama 3.1-8B"
    r"1?\d(?:\.\d)?[-\u2013]\d+(?:\.\d+)?[BMbm](?:-[A-Za-z][A-Za-z0-9]*)*|"
    r"[vV]\d+(?:\.\d+)*(?:-(?:{tiers}|Exp|Chat|Base))?|XL|XXL|{alone}|"
    r"Instruct|Chat|Base|Large|Small|Medium|Tiny)$".format(
        tiers="|".join(_TIERS), alone="|".join(t for t in _TIERS if t not in ("Max", "Plus"))))
# Lower-case checkpoint names with a size: "mistral-7b-instruct", "llama-2-13b-chat".
_LOWER_SIZED = re.compile(r"^[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*-\d+(?:\.\d+)?[bm](?:-[a-z0-9]+)*$|^[a-z][a-z0-9]*-\d+x\d+[bm]$")
# Benchmark protocols written before a dataset name: "Split CIFAR-100", "Permuted MNIST".
PROTOCOL_PREFIXES = {"Split", "Permuted", "Rotated", "Sequential", "Seq"}

# Shapes that are not names: numbers with units, sizes, Roman numerals, dimensions, a model
# size with its active parameters or a tag ("30B-A3B", "4B-Model").
_NOT_NAME = re.compile(
    r"^(?:\d+[A-Za-z]{0,2}|\d+(?:\.\d+)?[BMbm](?:-[A-Za-z0-9]+)+|\d+(?:\.\d+)?[KMBkmb]?-\d+(?:\.\d+)?[KMBkmb]?|(?:Sub|Over|Under|Top|Near|Up)-\d[\d.]*[KMBkmb%]?|[IVX]+|\d*[DK]|[A-Z]\d|\d+-[A-Za-z]+|[A-Z]{1,2}s?|[a-z]+[A-Z]?)$")
_UNITS = {"kHz", "MHz", "GHz", "THz", "kW", "MW", "GW", "kWh", "MWh", "GWh", "mAh", "dBm", "dBi", "Mbps",
          "Gbps", "Kbps", "MiB", "GiB", "KiB", "TiB", "PFLOPs", "GFLOPS", "TFLOPS", "mAP", "nJ", "pJ", "mJ",
          "kV", "mV", "kN", "MPa", "GPa", "kPa", "nm", "mm", "cm", "km", "ms", "ns", "μs", "us",
          "GB", "MB", "TB", "KB", "GPU", "GPUs", "CPU", "CPUs", "FPS", "FLOPs", "TFLOPs",
          "GFLOPs", "ms", "Hz", "dB", "USD", "PhD", "MSc", "BSc", "AM", "PM", "II", "III", "IV"}


_WORDS_HYPHENATED = re.compile(r"^(?:[A-Z]?[a-z]+|[A-Z])(?:-(?:[A-Z]?[a-z]+|[A-Z]))+$")
_LOWER_PREFIX = re.compile(r"^[a-z]+-")


# "AP@0.7", "Hit@5", "R@1", "pass@k": a metric at a cut-off, not a name
_AT_METRIC = re.compile(r"^[A-Za-z]+@(?:\d[\d.]*|k|K)$")
# "V3.1", "v2": a version without the name it is a version of
_BARE_VERSION = re.compile(r"^[vV]\d+(?:\.\d+)*$")


@lru_cache(maxsize=1 << 17)  # token texts repeat (Zipf): most calls are a dict lookup
def is_name_like(text: str) -> bool:
    if text.isalpha() and (text.islower() or text[0].isupper() and text[1:].islower()):
        return False  # a word ("model", "Transformer"): most tokens, and no rule below takes one
    # "Self-Supervised", "Image-Video": capitalised words joined by hyphens (as in titles);
    # "pre-LLM", "non-DPO": a lowercase prefix on another name
    if _AT_METRIC.match(text) or _BARE_VERSION.match(text):
        return False
    if _LOWER_SIZED.match(text):
        return True
    if _WORDS_HYPHENATED.match(text) or _LOWER_PREFIX.match(text):
        return False
    if len(text) < 2 or text in _UNITS or _NOT_NAME.match(text):
        return False
    if not any(c.isalpha() for c in text):
        return False
    if _ACRONYM.match(text) or _CAMEL.match(text) or _ALNUM.match(text):
        return True
    uppers = sum(c.isupper() for c in text)
    # other scripts' capitals (TÜLU) and hyphenated names with two capitals
    return uppers >= 2 and all(c.isalnum() or c in "-." for c in text) and text[0].isupper()


def is_version(text: str) -> bool:
    """A version, size or tier that may follow a name as part of it ("3.1", "175B", "Pro")."""
    return _VERSION.match(text) is not None


def shape_spans(doc: Doc) -> list[Span]:
    """Spans of tokens shaped like names, with a following version/size kept on."""
    spans: list[Span] = []
    end = 0
    texts = token_texts(doc)
    # most tokens are plain words ("model", "Transformer"), which is_name_like refuses first:
    # told apart on spaCy's lexeme flags (str.isalpha, islower, istitle) for the whole Doc
    flags = doc.to_array([IS_ALPHA, IS_LOWER, IS_TITLE])
    plain = flags[:, 0] & (flags[:, 1] | flags[:, 2])
    for i in [i for i in np.flatnonzero(plain == 0).tolist() if is_name_like(texts[i])]:
        if i >= end:  # not inside the version of the span before
            span = extend_with_version(doc, doc[i:i + 1])
            spans.append(span)
            end = span.end
    return spans


def extend_with_version(doc: Doc, span: Span) -> Span:
    """The span with a following version or size and a preceding protocol word kept on."""
    texts = token_texts(doc)
    end = span.end
    while end < len(texts) and _VERSION.match(texts[end]) and doc[end - 1].whitespace_:
        end += 1
    start = span.start
    if start > 0 and texts[start - 1] in PROTOCOL_PREFIXES and doc[start - 1].whitespace_:
        start -= 1
    return span if (start, end) == (span.start, span.end) else doc[start:end]
