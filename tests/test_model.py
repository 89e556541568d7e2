"""kg.model: the line format round-trips, and every field of a mention or evidence is written."""
from dataclasses import fields

from kg.extract import Extractor
from kg.model import Evidence, Mention, PaperExtraction
from kg.readers import ReadReport, read_papers


def test_mention_and_evidence_write_every_field():
    m = Mention(field="abstract", start=3, end=7, text="LoRA", rule="lexicon", confidence=0.9)
    e = Evidence(field="title", start=0, end=12, text="A LoRA study")
    assert m.to_json() == {f.name: getattr(m, f.name) for f in fields(Mention)}
    assert e.to_json() == {f.name: getattr(e, f.name) for f in fields(Evidence)}


def test_extractions_of_the_sample_round_trip():
    papers = list(read_papers("kg/data/sample-papers.jsonl", report=ReadReport()))[:20]
    for ex in Extractor().pipe(papers):
        d = ex.to_json()
        assert PaperExtraction.from_json(d).to_json() == d
