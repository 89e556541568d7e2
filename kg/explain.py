"""``kg explain``: what was extracted from one paper, with the text and rule behind each item."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from .model import PaperExtraction


def _find_extraction(paper_id: str, source, fmt, lexicons) -> PaperExtraction:
    if source and str(source).endswith(".jsonl") and fmt is None:
        # a kg extract / kg build output already holds the extraction
        with open(source, encoding="utf-8") as fh:
            first = fh.readline()
        if first.strip() and "entities" in json.loads(first):
            with open(source, encoding="utf-8") as fh:
                for line in fh:
                    d = json.loads(line)
                    if paper_id in (str(d.get("id")), d.get("citekey")):
                        return PaperExtraction.from_json(d)
            raise KeyError(f"{source}: no paper with id {paper_id!r}")
    from .build import extract_resolved, iter_papers
    from .extract import Extractor
    from .readers import ReadReport

    # the id, or the BibTeX key kept beside it (kg explain hu2022lora)
    papers = [p for p in iter_papers([source] if source else None, fmt, ReadReport())
              if paper_id in (p.id, p.citekey)]
    papers = papers[:1]
    if not papers:
        raise KeyError(f"{source or 'the sample corpus'}: no paper with id {paper_id!r}")
    return next(extract_resolved(papers, Extractor(extra_lexicons=lexicons)))


def _quote(text: str, start: int, end: int, width: int = 50) -> str:
    left = text[max(0, start - width): start]
    right = text[end: end + width]
    return f"...{left}[{text[start:end]}]{right}...".replace("\n", " ")


def explain_extraction(ex: PaperExtraction) -> str:
    p = ex.paper
    key = f" ({p.citekey})" if p.citekey else ""
    lines = [f"paper {p.id}{key}: {p.title}", ""]
    lines.append(f"entities ({len(ex.entities)}):")
    for e in ex.entities:
        flag = "  PROPOSED" if e.proposed else ""
        lines.append(f"- {e.name} [{e.type}]{flag}  id={e.id}  confidence={e.confidence:.2f}")
        if e.aliases:
            lines.append(f"    aliases: {', '.join(e.aliases)}")
        lines.append(f"    found by: {e.rule}; typed by: {e.type_rule}")
        for m in e.mentions:
            lines.append(f"    {m.field}[{m.start}:{m.end}] ({m.rule}) {_quote(p.text(m.field), m.start, m.end)}")
    lines.append("")
    lines.append(f"relations ({len(ex.relations)}):")
    for r in ex.relations:
        lines.append(f"- {r.head} --{r.rel}--> {r.tail}  (rule {r.rule}, confidence {r.confidence:.2f})")
        lines.append(f"    {r.evidence.field}[{r.evidence.start}:{r.evidence.end}] \"{r.evidence.text}\"")
    if ex.results:
        lines.append("")
        lines.append(f"results ({len(ex.results)}):")
        for r in ex.results:
            lines.append(f"- {r.model} on {r.benchmark}: {r.metric or 'score'} = {r.value}")
            lines.append(f"    \"{r.evidence.text}\"")
    return "\n".join(lines)


def explain_paper(paper_id: str, source: str | Path | None = None, fmt: str | None = None,
                  lexicons: Sequence[str] = ()) -> str:
    return explain_extraction(_find_extraction(paper_id, source, fmt, lexicons))
