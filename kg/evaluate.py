"""Score an extraction against a hand-annotated gold file (``kg eval GOLD PRED``).

The definitions are the team's document-level ones, so users can measure kg on their own
annotated papers and get the figures the project reports:

- each gold or predicted record is one paper: ``id``, ``entities`` (``name``, ``type``,
  ``aliases``, ``proposed``, ``optional``) and ``relations`` (``head``, ``rel``, ``tail``);
- two entities match when any of their surface forms (name or alias) have the same
  :func:`kg.normalize.key`; matching is greedy and one-to-one, so an alias predicted as a
  second entity is a false positive; *lenient* also accepts one form containing the other
  (both at least 3 characters), after the exact matches are taken;
- a prediction that matches an optional gold entity is neither right nor wrong, and so is a
  relation that touches one; only the four entity types are scored;
- *typed* counts a match with the wrong type as one false positive and one miss;
- *proposed* is scored over matched pairs; relations through the entity matching.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import ENTITY_TYPES
from .normalize import key

MEASURES = ("entities_untyped", "entities_typed", "proposed", "relations")


class GoldError(ValueError):
    pass


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"p": round(self.p, 4), "r": round(self.r, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Score:
    papers: int
    papers_predicted: int
    measures: dict[str, PRF]
    per_type: dict[str, PRF]
    errors: list[str] = field(default_factory=list)  # "id<TAB>KIND<TAB>name<TAB>detail"

    def to_json(self) -> dict[str, Any]:
        return {"papers": self.papers, "papers_predicted": self.papers_predicted,
                **{m: v.to_json() for m, v in self.measures.items()},
                "per_type": {t: v.to_json() for t, v in self.per_type.items()}}


def load_records(path: str | Path) -> dict[str, dict]:
    """Records of a gold or prediction file by paper id; a bad line names file and line."""
    recs: dict[str, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                recs[str(rec["id"])] = rec
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise GoldError(f"{path}:{n}: not a record with an id: {exc}") from None
    return recs


def _forms(ent: dict) -> set[str]:
    out = {key(str(ent.get("name", "")))}
    out.update(key(str(a)) for a in ent.get("aliases") or [])
    out.discard("")
    return out


def _close(a: set[str], b: set[str], lenient: bool) -> bool:
    if a & b:
        return True
    return lenient and any(len(x) >= 3 and len(y) >= 3 and (x in y or y in x) for x in a for y in b)


def _match(gold: list[dict], pred: list[dict], lenient: bool) -> list[tuple[int, int]]:
    g_forms, p_forms = [_forms(g) for g in gold], [_forms(p) for p in pred]
    pairs: list[tuple[int, int]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    for loose in ((False, True) if lenient else (False,)):
        for pi, pf in enumerate(p_forms):
            if pi in used_p:
                continue
            for gi, gf in enumerate(g_forms):
                if gi not in used_g and _close(pf, gf, loose):
                    pairs.append((gi, pi))
                    used_g.add(gi)
                    used_p.add(pi)
                    break
    return pairs


def score(gold: dict[str, dict], pred: dict[str, dict], *, lenient: bool = False) -> Score:
    c: Counter = Counter()
    per_type: dict[str, Counter] = defaultdict(Counter)
    rel: Counter = Counter()
    prop: Counter = Counter()
    errors: list[str] = []
    for pid, g in gold.items():
        p = pred.get(pid, {})
        g_ents = [e for e in g.get("entities") or [] if e.get("type") in ENTITY_TYPES]
        p_ents = [e for e in p.get("entities") or [] if e.get("type") in ENTITY_TYPES]
        pairs = _match(g_ents, p_ents, lenient)
        g_of_p = {pi: gi for gi, pi in pairs}
        used_g = {gi for gi, _ in pairs}
        for gi, pi in pairs:
            ge, pe = g_ents[gi], p_ents[pi]
            if ge.get("optional"):
                continue
            c["tp"] += 1
            if ge["type"] == pe["type"]:
                c["tp_typed"] += 1
                per_type[ge["type"]]["tp"] += 1
            else:
                per_type[ge["type"]]["fn"] += 1
                per_type[pe["type"]]["fp"] += 1
                errors.append(f"{pid}\tTYPE\t{pe['name']}\t{pe['type']} (gold {ge['type']})")
            gp, pp = bool(ge.get("proposed")), bool(pe.get("proposed"))
            prop["tp" if gp and pp else "fp" if pp else "fn" if gp else "tn"] += 1
        for gi, ge in enumerate(g_ents):
            if gi not in used_g and not ge.get("optional"):
                c["fn"] += 1
                per_type[ge["type"]]["fn"] += 1
                errors.append(f"{pid}\tMISS\t{ge['name']}\t{ge['type']}")
        for pi, pe in enumerate(p_ents):
            if pi not in g_of_p:
                c["fp"] += 1
                per_type[pe["type"]]["fp"] += 1
                errors.append(f"{pid}\tSPURIOUS\t{pe['name']}\t{pe['type']}")
        # relations, through the entity matching
        g_index = {key(e["name"]): i for i, e in enumerate(g_ents)}
        p_index: dict[str, int] = {}
        for pi, pe in enumerate(p_ents):
            for f in _forms(pe):
                p_index.setdefault(f, pi)
        g_rels, g_optional = set(), set()
        for r in g.get("relations") or []:
            h, t = g_index.get(key(r["head"])), g_index.get(key(r["tail"]))
            if h is not None and t is not None:
                optional = g_ents[h].get("optional") or g_ents[t].get("optional")
                (g_optional if optional else g_rels).add((h, r["rel"], t))
        p_rels = set()
        for r in p.get("relations") or []:
            h, t = p_index.get(key(str(r.get("head", "")))), p_index.get(key(str(r.get("tail", ""))))
            p_rels.add((g_of_p.get(h, ("p", h)), r.get("rel"), g_of_p.get(t, ("p", t))))
        p_rels -= g_optional
        rel["tp"] += len(g_rels & p_rels)
        rel["fp"] += len(p_rels - g_rels)
        rel["fn"] += len(g_rels - p_rels)
        for h, r_, t in sorted(g_rels - p_rels, key=str):
            errors.append(f"{pid}\tREL-MISS\t{g_ents[h]['name']} {r_} {g_ents[t]['name']}\t")
    wrong_type = c["tp"] - c["tp_typed"]
    measures = {
        "entities_untyped": PRF(c["tp"], c["fp"], c["fn"]),
        "entities_typed": PRF(c["tp_typed"], c["fp"] + wrong_type, c["fn"] + wrong_type),
        "proposed": PRF(prop["tp"], prop["fp"], prop["fn"]),
        "relations": PRF(rel["tp"], rel["fp"], rel["fn"]),
    }
    types = {t: PRF(per_type[t]["tp"], per_type[t]["fp"], per_type[t]["fn"]) for t in ENTITY_TYPES}
    return Score(papers=len(gold), papers_predicted=sum(1 for k in gold if k in pred),
                 measures=measures, per_type=types, errors=errors)


def evaluate(gold_path: str | Path, pred_path: str | Path) -> dict[str, Score]:
    """Strict and lenient scores of a prediction file against a gold file."""
    gold, pred = load_records(gold_path), load_records(pred_path)
    return {"strict": score(gold, pred), "lenient": score(gold, pred, lenient=True)}


def format_report(scores: dict[str, Score], show_errors: int = 0) -> str:
    strict = scores["strict"]
    lines = [f"papers: {strict.papers} (predicted for {strict.papers_predicted})"]
    for mode, s in scores.items():
        for m in MEASURES:
            v = s.measures[m]
            lines.append(f"{mode:8s} {m:17s} P={v.p:.3f} R={v.r:.3f} F1={v.f1:.3f}"
                         f"  (tp={v.tp} fp={v.fp} fn={v.fn})")
    for t, v in strict.per_type.items():
        lines.append(f"strict   {t:17s} P={v.p:.3f} R={v.r:.3f} F1={v.f1:.3f}")
    lines += strict.errors[:show_errors]
    return "\n".join(lines)
