"""kg.extract.sentences: the sentencizer's sentences, found on token arrays."""
from __future__ import annotations

from kg.build import sample_path
from kg.extract.sentences import sentence, sentences, text_of, token_texts
from kg.extract.tokenizer import make_nlp
from kg.readers import ReadReport, read_papers


def test_sentences_are_those_of_spacys_sentencizer_on_the_sample():
    ours = make_nlp()
    theirs = make_nlp()
    theirs.add_pipe("sentencizer")
    texts = [p.title + ". " + p.abstract for p in read_papers(sample_path(), report=ReadReport())]
    texts += ["", "No final stop", "Wait... what?! (Yes.) Fine.", "One。Two．Three"]
    for text in texts:
        a, b = ours(text), theirs(text)
        assert [(s.start, s.end) for s in sentences(a)] == [(s.start, s.end) for s in b.sents], text


def test_per_doc_lookups():
    doc = make_nlp()("We use GPT-4. It works well.")
    assert token_texts(doc) == [t.text for t in doc]
    assert text_of(doc) == doc.text
    assert sentence(doc[5]).text == "It works well."
