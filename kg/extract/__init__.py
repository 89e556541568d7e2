"""Extraction: papers -> entities, proposals, relations (see ``pipeline.Extractor``)."""
from .lexicon import Lexicon, LexiconEntry, LexiconError
from .pipeline import Extractor

__all__ = ["Extractor", "Lexicon", "LexiconEntry", "LexiconError"]
