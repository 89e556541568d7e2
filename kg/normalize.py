"""Surface-form keys: two spellings of one name get the same key.

``key("LLaMA-2") == key("Llama 2") == key("llama2")``. The rule (NFKC, case-folded,
spaces, hyphens, underscores, dots, slashes and apostrophes removed) is the one the
evaluation uses to compare names, so the resolver and the scorer agree on what "the
same spelling" means.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

_STRIP = re.compile(r"[\s\-\u2010-\u2015_./'\u2019]+")


def key(text: str) -> str:
    return _STRIP.sub("", unicodedata.normalize("NFKC", text).casefold())


def slug(text: str) -> str:
    """A readable, URL-safe entity id: 'Direct Preference Optimization' -> 'direct-preference-optimization'."""
    s = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9.+]+", "-", s).strip("-")
    if not s:
        s = "x" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return s
