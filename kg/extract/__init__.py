"""Extraction: papers -> entities, proposals, relations (see ``pipeline.Extractor``).

``Extractor`` is imported on first use: the lexicon needs no spaCy, and a build that finds
every paper in its cache (``kg.cache``) never loads spaCy in its main process."""
from .lexicon import Lexicon, LexiconEntry, LexiconError

__all__ = ["Extractor", "Lexicon", "LexiconEntry", "LexiconError"]


def __getattr__(name: str):
    if name == "Extractor":
        from .pipeline import Extractor
        return Extractor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
