"""``kg audit``: what a user should look at in a build, read from its ``mentions.jsonl``.

Users judge kg by the graph: one thing split over several nodes, or different things merged
into one node, costs trust. The audit streams ``mentions.jsonl`` once, aggregates per entity
id (never per paper, so memory grows with the number of entities, not of papers) and
reports, over the top-N entities by paper count:

1. **suspected duplicates** -- distinct ids whose names or long-form aliases share a
   :func:`kg.normalize.variant_key` (ViT / ViTs, Network / Networks, optimisation /
   optimization), and bare acronym nodes ("MPC") that some paper defines as exactly one
   long-form node ("Model Predictive Control (MPC)") but that are still separate;
2. **suspected wrong merges** -- one id whose papers expand it into long forms that share
   no content words (DP = Differential Privacy / Diffusion Policy), or into an expansion the
   acronym's letters do not fit, or whose surface forms ``variant_key`` tells apart though
   ``key`` joined them (ViTs matched the lexicon's VITS);
3. **lexicon hits on common words** -- lexicon mentions whose matched text is an ordinary
   English word written in a case no lexicon form has ("Multiple" for MultiPL-E, "glove" for
   GloVe). A word counts as ordinary English when the corpus itself writes it in lower case
   at least ``COMMON_MIN`` times and in at least ``COMMON_SHARE`` of its occurrences (the
   tokens of every title and abstract are counted on the way; no word list is shipped);
4. **entities proposed by several papers** -- ``proposed: true`` in 2+ papers: a coined
   name reused by unrelated papers (SCOPE, ATLAS), or a known entity wrongly marked
   proposed;
5. **summary** figures and a one-line verdict per section.

``audit(path)`` returns a plain dict (the ``--json`` output); ``format_report`` renders it.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

from .normalize import is_short_form, key, slug, variant_key

COMMON_MIN = 2  # lower-case occurrences in the corpus for a word to count as ordinary English
COMMON_SHARE = 0.5  # ... and the share of its occurrences that are lower case
SIMILAR = 0.5  # content-word overlap above which two long forms are one meaning
_KEEP = 25  # examples kept per entity and finding while streaming

_WORD = re.compile(r"[A-Za-z]+")
_STOP = frozenset("""a an the of for from with and or in on to via by at as into using based
    over under through towards toward its their our""".split())
_METRIC_LAST = frozenset("""error errors accuracy score scores ratio rate precision recall
    coefficient distance similarity divergence measure metric auc curve deviation""".split())


# ---- streaming aggregation -------------------------------------------------------------

@dataclass
class EntityStats:
    """Everything the audit needs about one entity id, summed over its papers."""

    id: str
    papers: int = 0
    names: Counter = field(default_factory=Counter)  # e.name per paper
    types: Counter = field(default_factory=Counter)
    long_forms: Counter = field(default_factory=Counter)  # long names / aliases, per paper
    long_papers: dict = field(default_factory=lambda: defaultdict(list))  # vkey -> paper ids
    short_forms: Counter = field(default_factory=Counter)  # acronym aliases / names
    defined: Counter = field(default_factory=Counter)  # short forms defined next to a long name
    expansions: Counter = field(default_factory=Counter)  # long forms written next to an acronym
    exp_papers: dict = field(default_factory=lambda: defaultdict(list))  # vkey -> paper ids
    pairs: Counter = field(default_factory=Counter)  # (acronym, long form) of one paper
    mention_forms: Counter = field(default_factory=Counter)  # every mention text
    form_papers: dict = field(default_factory=lambda: defaultdict(list))  # mention text -> paper ids
    lexicon_mentions: int = 0
    lexicon_texts: Counter = field(default_factory=Counter)
    lexicon_papers: dict = field(default_factory=lambda: defaultdict(list))
    lexicon_starts: Counter = field(default_factory=Counter)  # text -> mentions at title/sentence start
    lexicon_rule: bool = False
    proposed: list = field(default_factory=list)  # (paper id, title, authors) up to _KEEP
    proposed_count: int = 0
    example_papers: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return min(self.names.items(), key=lambda kv: (-kv[1], kv[0]))[0] if self.names else self.id

    @property
    def type(self) -> str:
        return min(self.types.items(), key=lambda kv: (-kv[1], kv[0]))[0] if self.types else ""

    @property
    def bare(self) -> bool:
        """Only ever written as an acronym, never with a long form."""
        return not self.long_forms


@dataclass
class Corpus:
    papers: int = 0
    bad_lines: int = 0
    entities: dict[str, EntityStats] = field(default_factory=dict)
    lower: Counter = field(default_factory=Counter)  # word written in lower case
    total: Counter = field(default_factory=Counter)  # word, any case (case-folded)


def _add(lst: list, item, limit: int = _KEEP) -> None:
    if len(lst) < limit and item not in lst:
        lst.append(item)


def _at_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;"


def iter_records(path: str | Path, bad: list[int] | None = None) -> Iterator[dict]:
    """The JSON objects of ``mentions.jsonl`` (or of the export directory holding it), lazily."""
    p = Path(path)
    if p.is_dir():
        p = p / "mentions.jsonl"
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                if bad is not None:
                    bad.append(1)
                continue
            if isinstance(rec, dict):
                yield rec


def aggregate(records: Iterable[dict]) -> Corpus:
    """One pass over the paper records: per-entity statistics and the corpus's word counts."""
    c = Corpus()
    for rec in records:
        c.papers += 1
        pid = str(rec.get("id", c.papers))
        title = rec.get("title") or ""
        texts = {"title": title, "abstract": rec.get("abstract") or ""}
        for text in texts.values():
            for w in _WORD.findall(text):
                lw = w.lower()
                c.total[lw] += 1
                if w == lw:
                    c.lower[lw] += 1
        authors = tuple(rec.get("authors") or ())[:30]
        for e in rec.get("entities") or ():
            eid = e.get("id")
            if not eid:
                continue
            s = c.entities.get(eid)
            if s is None:
                s = c.entities[eid] = EntityStats(eid)
            s.papers += 1
            _add(s.example_papers, pid, 5)
            name = e.get("name") or eid
            s.names[name] += 1
            s.types[e.get("type", "")] += 1
            if str(e.get("rule", "")).startswith("lexicon") or e.get("type_rule") == "lexicon":
                s.lexicon_rule = True
            forms = [name, *(e.get("aliases") or ())]
            long_here = [f for f in forms if not is_short_form(f)]
            short_here = [f for f in dict.fromkeys(forms) if is_short_form(f)]
            short_keys = {key(f) for f in short_here}
            for f in dict.fromkeys(forms):
                if is_short_form(f):
                    s.short_forms[f] += 1
                    if long_here:
                        s.defined[f] += 1
                else:
                    s.long_forms[f] += 1
                    _add(s.long_papers[variant_key(f)], pid)
                    # an expansion, unless it is the acronym with a modifier ("sparse MoE")
                    if short_here and not any(key(w) in short_keys for w in re.split(r"[\s\-]+", f)):
                        s.expansions[f] += 1
                        _add(s.exp_papers[variant_key(f)], pid)
                        for a in short_here:
                            if len(s.pairs) < 200:
                                s.pairs[(a, f)] += 1
            if e.get("proposed"):
                s.proposed_count += 1
                if len(s.proposed) < _KEEP:
                    s.proposed.append((pid, title, authors))
            seen_text = set()
            for m in e.get("mentions") or ():
                t = m.get("text", "")
                s.mention_forms[t] += 1
                if t not in seen_text:
                    _add(s.form_papers[t], pid, 5)
                    seen_text.add(t)
                if str(m.get("rule", "")).startswith("lexicon"):
                    s.lexicon_mentions += 1
                    s.lexicon_texts[t] += 1
                    _add(s.lexicon_papers[t], pid, 5)
                    field_text = texts.get(m.get("field", "abstract"), "")
                    if m.get("field") == "title" or _at_start(field_text, int(m.get("start", 0))):
                        s.lexicon_starts[t] += 1
    return c


# ---- lexicon forms -----------------------------------------------------------------------

def load_lexicon_forms(extra: Iterable[str | Path] = ()) -> dict[str, tuple[str, ...]]:
    """Entry id -> its forms (name and aliases), from the core lexicon and ``extra`` files.

    Read straight from the JSON-lines files (the format of ``kg/lexicon/README.md``), so the
    audit needs no spaCy; a file that cannot be read is skipped.
    """
    out: dict[str, tuple[str, ...]] = {}
    paths: list[Any] = [resources.files("kg") / "lexicon" / "core.jsonl", *map(Path, extra)]
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                rec = json.loads(line)
                name = str(rec["name"]).strip()
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
            out[rec.get("id") or slug(name)] = (name, *(str(a).strip() for a in rec.get("aliases", [])))
    return out


# ---- the checks --------------------------------------------------------------------------

def content_words(text: str) -> list[str]:
    """The words that carry a long form's meaning, singular and American-spelled."""
    words = [w for w in re.split(r"[^0-9A-Za-z\u00C0-\u024F]+", text) if w]
    return [variant_key(w) for w in words if w.lower() not in _STOP] or [variant_key(text)]


def _word_match(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b))
    return n >= 3 and (a.startswith(b) or b.startswith(a) or (n >= 5 and a[:5] == b[:5]))


def similarity(a: str, b: str) -> float:
    """Share of content words two long forms have in common (prefix-tolerant: net/network)."""
    wa, wb = content_words(a), content_words(b)
    hits = sum(any(_word_match(x, y) for y in wb) for x in wa)
    return hits / max(len(wa), len(wb))


def fits_acronym(short: str, long: str) -> bool:
    """Could ``long`` be spelled out as ``short``? The acronym's first letter starts a word of
    the long form, and its other letters follow in order (the Schwartz-Hearst condition;
    digits and, in a mixed-case acronym like DAgger, lower-case letters are not needed)."""
    letters = [c for c in short if c.isalpha()]
    if any(c.islower() for c in letters) and sum(c.isupper() for c in letters) >= 2:
        letters = [c for c in letters if c.isupper()]  # DAgger: D, A; CoT: C, T
    s = [c.lower() for c in letters]
    words = [w for w in re.split(r"[^a-z]+", re.sub(r"\\[A-Za-z]+", " ", long).lower()) if w]
    if not s:
        return True
    for i, w in enumerate(words):
        if w[0] != s[0]:
            continue
        rest, j = "".join(words[i:])[1:], 1
        for ch in rest:
            if j < len(s) and ch == s[j]:
                j += 1
        if j == len(s):
            return True
    return False


def is_metric_like(long: str) -> bool:
    words = [w.lower() for w in re.split(r"[^A-Za-z]+", long) if w]
    return bool(words) and words[-1] in _METRIC_LAST


def _meanings(s: EntityStats) -> list[dict[str, Any]]:
    """The expansions of one entity's acronym clustered by meaning (variant key, then
    content words)."""
    groups: dict[str, Counter] = defaultdict(Counter)
    for f, n in s.expansions.items():
        groups[variant_key(f)][f] += n
    keys = sorted(groups, key=lambda k: (-sum(groups[k].values()), k))
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    label = {k: groups[k].most_common(1)[0][0] for k in keys}
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if find(a) != find(b) and similarity(label[a], label[b]) >= SIMILAR:
                parent[find(b)] = find(a)
    clusters: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        clusters[find(k)].append(k)
    out = []
    for root, ks in clusters.items():
        forms = Counter()
        papers: list[str] = []
        for k in ks:
            forms.update(groups[k])
            for p in s.exp_papers.get(k, ()):
                _add(papers, p)
        out.append({"long_form": label[root], "forms": dict(forms.most_common(5)),
                    "papers": sum(len(s.exp_papers.get(k, ())) for k in ks), "paper_ids": papers})
    out.sort(key=lambda d: (-d["papers"], d["long_form"]))
    return out


def paper_scoped(s: EntityStats) -> bool:
    """An id the resolver keeps to one proposing paper (``atlas--2512.10173``): a coined name
    deliberately apart from the same name elsewhere (see find_multiply_proposed)."""
    return s.papers == 1 and any(s.id.endswith("--" + p) for p in s.example_papers)


def _dup_key(form: str) -> str:
    """The variant key, and for an acronym also its case: SoCs ~ SoC, but SOC is not SoC."""
    vk = variant_key(form)
    if is_short_form(form):
        shape = re.sub(r"[\s\-_./]", "", form)
        if len(shape) >= 3 and shape[-1] == "s" and shape[-2].isupper():
            shape = shape[:-1]
        return vk + "|" + "".join("A" if ch.isupper() else "a" if ch.islower() else ch for ch in shape)
    return vk


def find_duplicates(c: Corpus, top: list[str], k: int) -> list[dict[str, Any]]:
    """Top-N nodes that share a variant key of a name or long form with another node."""
    index: dict[str, set[str]] = defaultdict(set)
    for eid, s in c.entities.items():
        if paper_scoped(s):
            continue
        for f in (*s.names, *s.long_forms):
            index[_dup_key(f)].add(eid)
    groups: dict[frozenset, set[str]] = {}
    for eid in top:
        s = c.entities[eid]
        if paper_scoped(s):
            continue
        for f in (*s.names, *s.long_forms):
            vk = _dup_key(f)
            ids = index.get(vk, set())
            if len(ids) > 1:
                groups.setdefault(frozenset(ids), set()).add(vk.split("|")[0])
    # one group per set of ids: merge overlapping sets
    merged: list[tuple[set[str], set[str]]] = []
    for ids, vks in groups.items():
        for m in merged:
            if m[0] & ids:
                m[0].update(ids)
                m[1].update(vks)
                break
        else:
            merged.append((set(ids), set(vks)))
    out = []
    for ids, vks in merged:
        nodes = sorted((c.entities[i] for i in ids), key=lambda s: (-s.papers, s.id))
        out.append({
            "variant_keys": sorted(vks),
            "nodes": [{"id": s.id, "name": s.name, "type": s.type, "papers": s.papers,
                       "forms": [f for f, _ in s.names.most_common(4)],
                       "paper_ids": s.example_papers[:k]} for s in nodes],
        })
    out.sort(key=lambda d: (-sum(n["papers"] for n in d["nodes"]), d["variant_keys"]))
    return out


_MARKUP = re.compile(r"\\[A-Za-z]+|[{}$]")


def find_markup(c: Corpus, top: list[str], k: int) -> list[dict[str, Any]]:
    """Top-N nodes named with TeX debris (``\\emph{Chain of Thought``): split from the clean name."""
    out = []
    for eid in top:
        s = c.entities[eid]
        bad = [f for f in (*s.names, *s.long_forms) if _MARKUP.search(f)]
        if bad:
            out.append({"id": eid, "name": s.name, "papers": s.papers, "forms": sorted(set(bad))[:3],
                        "paper_ids": s.example_papers[:k]})
    return out


def find_acronym_splits(c: Corpus, top: set[str], k: int) -> list[dict[str, Any]]:
    """A bare acronym node that papers define as exactly one long-form node, still apart."""
    definers: dict[str, dict[str, int]] = defaultdict(dict)  # acronym vkey -> definer id -> count
    for eid, s in c.entities.items():
        for f, n in s.defined.items():
            d = definers[variant_key(f)]
            d[eid] = d.get(eid, 0) + n
    out = []
    for eid, s in c.entities.items():
        if not s.bare:
            continue
        ds = {d: n for d, n in definers.get(variant_key(s.name), {}).items() if d != eid}
        if not ds or (eid not in top and not any(d in top for d in ds)):
            continue
        # one meaning only: every definer's long form is the same thing
        labels = {d: c.entities[d].long_forms.most_common(1)[0][0] for d in ds}
        first = next(iter(labels.values()))
        if len(ds) > 1 and not all(similarity(first, lab) >= SIMILAR for lab in labels.values()):
            continue
        target = max(ds, key=lambda d: (c.entities[d].papers, d))
        strong = sum(ds.values()) >= 2
        t = c.entities[target]
        acr = [f for f in t.defined if variant_key(f) == variant_key(s.name)]
        out.append({
            "strong": strong,
            "acronym": {"id": eid, "name": s.name, "papers": s.papers, "paper_ids": s.example_papers[:k]},
            "long_form": {"id": target, "name": t.name, "papers": t.papers,
                          "defined_as": acr[:3], "definitions": sum(ds.values()),
                          "other_ids": sorted(set(ds) - {target}),
                          "paper_ids": [p for vk in t.long_papers for p in t.long_papers[vk]][:k]},
        })
    out.sort(key=lambda d: (not d["strong"], -(d["acronym"]["papers"] + d["long_form"]["papers"]),
                            d["acronym"]["id"]))
    return out


def find_wrong_merges(c: Corpus, top: list[str], lexicon: dict[str, tuple[str, ...]],
                      k: int) -> list[dict[str, Any]]:
    """One node, several meanings: its acronym expanded into long forms without common content
    words (or into one the lexicon entry is not), an expansion the acronym's letters do not
    fit, or surface forms that only ``key`` (not ``variant_key``) joins to the lexicon's."""
    out = []
    for eid in top:
        s = c.entities[eid]
        reasons = []
        forms = lexicon.get(eid) or ()
        lex_long = [f for f in forms if not is_short_form(f)]
        meanings = _meanings(s) if s.short_forms else []
        for m in meanings:
            m["metric_like"] = is_metric_like(m["long_form"])
            m["lexicon_meaning"] = (not lex_long) or any(similarity(m["long_form"], f) >= SIMILAR
                                                         for f in lex_long)
            # a form the lexicon lists is the entry's own spelling, whether or not the letters
            # fit ("Extreme Gradient Boosting" for XGBoost, "Twin Delayed DDPG" for TD3)
            listed = bool(lex_long) and any(variant_key(f) in {variant_key(x) for x in forms} for f in m["forms"])
            m["fits_acronym"] = listed or any(fits_acronym(a, f) for (a, f) in s.pairs if f in m["forms"])
            m["paper_ids"] = m["paper_ids"][:k]
        if len(meanings) > 1 and not (lex_long and all(m["lexicon_meaning"] for m in meanings)):
            reasons.append("different long forms")
        if any(not m["fits_acronym"] for m in meanings):
            reasons.append("an expansion the acronym does not fit")
        if len(meanings) > 1 and any(m["metric_like"] for m in meanings) and not all(
                m["metric_like"] for m in meanings):
            reasons.append("a metric-like expansion")
        if lex_long and any(not m["lexicon_meaning"] for m in meanings):
            reasons.append("papers define it otherwise than the lexicon")
        # surface forms that variant_key tells apart (ViTs / VITS): against the lexicon's forms
        collide = []
        if forms:
            vks = {variant_key(f) for f in forms}
            keys = {key(f) for f in forms}
            for t, n in s.mention_forms.most_common():
                if key(t) in keys and variant_key(t) not in vks:
                    collide.append({"text": t, "mentions": n, "paper_ids": s.form_papers.get(t, [])[:k]})
            if collide:
                reasons.append("case collision with the lexicon form")
        if reasons:
            out.append({"id": eid, "name": s.name, "type": s.type, "papers": s.papers,
                        "reasons": reasons, "short_forms": [f for f, _ in s.short_forms.most_common(3)],
                        "meanings": meanings, "lexicon_forms": list(forms)[:4],
                        "case_collisions": collide})
    out.sort(key=lambda d: (-d["papers"], d["id"]))
    return out


def is_common_word(c: Corpus, word: str) -> bool:
    lw = word.lower()
    low, tot = c.lower.get(lw, 0), c.total.get(lw, 0)
    return low >= COMMON_MIN and tot > 0 and low / tot >= COMMON_SHARE


def find_common_word_hits(c: Corpus, top: list[str], lexicon: dict[str, tuple[str, ...]],
                          k: int) -> list[dict[str, Any]]:
    """Lexicon mentions whose text is an ordinary English word in a case no lexicon form has."""
    out = []
    for eid in top:
        s = c.entities[eid]
        if not s.lexicon_mentions:
            continue
        forms = set(lexicon.get(eid, ())) or {s.name}
        hits = []
        for t, n in s.lexicon_texts.most_common():
            if not t.isalpha() or t in forms:
                continue
            if not (t.islower() or t.istitle()) or not is_common_word(c, t):
                continue
            if t.istitle() and any(f.istitle() and f.lower() == t.lower() for f in forms):
                continue
            hits.append({"text": t, "mentions": n, "share": round(n / s.lexicon_mentions, 3),
                         "corpus_lowercase": c.lower.get(t.lower(), 0),
                         "paper_ids": s.lexicon_papers.get(t, [])[:k]})
        if hits:
            out.append({"id": eid, "name": s.name, "lexicon_name": (lexicon.get(eid) or (s.name,))[0],
                        "type": s.type, "papers": s.papers, "lexicon_mentions": s.lexicon_mentions,
                        "share": round(sum(h["mentions"] for h in hits) / s.lexicon_mentions, 3),
                        "hits": hits})
    out.sort(key=lambda d: (-sum(h["mentions"] for h in d["hits"]), d["id"]))
    return out


def _title_words(title: str) -> set[str]:
    return {variant_key(w) for w in _WORD.findall(title) if w.lower() not in _STOP and len(w) > 2}


def is_descriptive(c: Corpus, name: str) -> bool:
    """A phrase of ordinary words ('sparse autoencoders', 'Conformal Prediction'), not a coined
    name: two or more words, no acronym among them, at least half of them common English."""
    words = [w for w in re.split(r"[\s\-]+", name) if w and w.lower() not in _STOP]
    if len(words) < 2 or any(is_short_form(w) or not w.isalpha() for w in words):
        return False
    return sum(is_common_word(c, w) for w in words) * 2 >= len(words)


def find_multiply_proposed(c: Corpus, top: list[str], lexicon: dict[str, tuple[str, ...]],
                           k: int) -> list[dict[str, Any]]:
    """Names marked proposed by 2+ papers -- on one node, or on per-paper nodes -- by kind: a
    coined name reused by unrelated papers, a known or established term wrongly marked
    proposed, or a series of related papers (shared authors, or most title words in common)."""
    by_name: dict[str, list[EntityStats]] = defaultdict(list)
    for s in c.entities.values():
        if s.proposed_count:
            by_name[variant_key(s.name)].append(s)
    plain: dict[str, list[str]] = defaultdict(list)  # name -> nodes that are not per-paper proposals
    for s in c.entities.values():
        if not paper_scoped(s) and s.proposed_count < s.papers:
            plain[variant_key(s.name)].append(s.id)
    top_set = set(top)
    out = []
    for vk, nodes in by_name.items():
        props = [p for s in nodes for p in s.proposed]
        if len(props) < 2 or not any(s.id in top_set or paper_scoped(s) for s in nodes):
            continue
        nodes.sort(key=lambda s: (-s.papers, s.id))
        related = 0
        for i, (_, ta, aa) in enumerate(props):
            for _, tb, ab in props[i + 1:]:
                wa, wb = _title_words(ta), _title_words(tb)
                if (set(aa) & set(ab)) or (wa and wb and len(wa & wb) / min(len(wa), len(wb)) >= 0.6):
                    related += 1
        pairs = len(props) * (len(props) - 1) // 2
        main = nodes[0]
        if any(s.id in lexicon or s.lexicon_rule for s in nodes):
            kind = "known"
        elif related == pairs:
            kind = "related"
        elif any(is_descriptive(c, s.name) or (s.expansions and is_descriptive(
                c, s.expansions.most_common(1)[0][0])) for s in nodes):
            kind = "established"
        else:
            kind = "coined"
        split = len(nodes) > 1
        others = [i for i in plain.get(vk, ()) if i not in {s.id for s in nodes}]
        if not split:
            problem = {"coined": "one node for different systems (resolver)",
                       "known": "a known entity marked proposed (proposal detection, or a homonym)",
                       "established": "an established term marked proposed (proposal detection)"}.get(kind)
        elif others and kind != "coined":
            problem = f"split off the existing node {others[0]} by wrong proposals (proposal detection)"
        elif kind == "related":
            problem = "one series split into a node per paper"
        elif kind in ("established", "known"):
            problem = "kept apart per paper, but an established term: likely wrongly marked proposed"
        else:
            problem = None  # a coined name, one node per paper: as it should be
        out.append({"id": main.id, "name": main.name, "type": main.type, "papers": sum(s.papers for s in nodes),
                    "ids": [s.id for s in nodes], "proposed_by": len(props), "kind": kind,
                    "graph": "split" if split else "one node", "unrelated": related < pairs,
                    "problem": problem,
                    "proposals": [{"paper_id": p, "title": t[:140]} for p, t, _ in props[:k]]})
    order = {"coined": 0, "known": 1, "established": 2, "related": 3}
    out.sort(key=lambda d: (d["problem"] is None, order[d["kind"]], -d["proposed_by"], -d["papers"], d["id"]))
    return out


_KINDS = {"coined": "a coined name reused by unrelated papers",
          "known": "a known (lexicon) entity",
          "established": "an established term",
          "related": "related papers (a series)"}


# ---- the report --------------------------------------------------------------------------

def audit(path: str | Path, top: int = 500, examples: int = 3,
          lexicon: dict[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """Audit the export at ``path`` (a build directory or its ``mentions.jsonl``)."""
    bad: list[int] = []
    c = aggregate(iter_records(path, bad))
    c.bad_lines = len(bad)
    lex = load_lexicon_forms() if lexicon is None else lexicon
    ranked = sorted(c.entities.values(), key=lambda s: (-s.papers, s.id))
    top_ids = [s.id for s in ranked[:top]]
    top_set = set(top_ids)
    dups = find_duplicates(c, top_ids, examples)
    splits = find_acronym_splits(c, top_set, examples)
    markup = find_markup(c, top_ids, examples)
    merges = find_wrong_merges(c, top_ids, lex, examples)
    words = find_common_word_hits(c, top_ids, lex, examples)
    proposed = find_multiply_proposed(c, top_ids, lex, examples)

    dup_nodes = {n["id"] for d in dups for n in d["nodes"]} | {
        x for sp in splits if sp["strong"] for x in (sp["acronym"]["id"], sp["long_form"]["id"])}
    top_dup = len(dup_nodes & top_set)
    n_top = len(top_ids)
    summary = {
        "papers": c.papers, "entities": len(c.entities), "top": n_top, "bad_lines": c.bad_lines,
        "duplicate_groups": len(dups), "acronym_splits": len(splits),
        "acronym_splits_strong": sum(sp["strong"] for sp in splits),
        "top_nodes_with_duplicate": top_dup,
        "duplicate_share": round(top_dup / n_top, 4) if n_top else 0.0,
        "markup_names": len(markup),
        "wrong_merges": len(merges),
        "common_word_hits": sum(len(w["hits"]) for w in words),
        "common_word_nodes": len(words),
        "common_word_mentions": sum(h["mentions"] for w in words for h in w["hits"]),
        "multiply_proposed": len(proposed),
        **{f"multiply_proposed_{kind}": sum(p["kind"] == kind for p in proposed) for kind in _KINDS},
        "multiply_proposed_problems": sum(p["problem"] is not None for p in proposed),
    }
    return {"export": str(path), "summary": summary, "verdicts": _verdicts(summary),
            "duplicates": dups, "acronym_splits": splits, "markup_names": markup, "wrong_merges": merges,
            "common_word_hits": words, "multiply_proposed": proposed}


def _verdicts(s: dict[str, Any]) -> dict[str, str]:
    n = s["top"] or 1
    share = s["duplicate_share"]
    dup = (f"{s['top_nodes_with_duplicate']} of {s['top']} top nodes ({share:.1%}) have a suspected "
           f"duplicate ({s['duplicate_groups']} variant groups, {s['acronym_splits_strong']} acronym "
           "splits): " + ("fine" if share < 0.02 else "worth fixing" if share < 0.05
                          else "the graph is visibly split"))
    wm = s["wrong_merges"]
    merges = (f"{wm} top nodes ({wm / n:.1%}) mix meanings: "
              + ("fine" if wm / n < 0.01 else "worth fixing" if wm / n < 0.03 else "many nodes are conflated"))
    cw = s["common_word_nodes"]
    words = (f"{s['common_word_mentions']} lexicon mentions on {cw} nodes are common words: "
             + ("none" if not cw else "a few false hits" if cw <= 3 else "the lexicon matcher needs a case check"))
    mp, bad = s["multiply_proposed"], s["multiply_proposed_problems"]
    prop = (f"{mp} names are proposed by 2+ papers ({s['multiply_proposed_coined']} coined names reused, "
            f"{s['multiply_proposed_known']} known entities, {s['multiply_proposed_established']} "
            f"established terms, {s['multiply_proposed_related']} series); {bad} need a fix: "
            + ("fine" if not bad else "check them"))
    return {"duplicates": dup, "wrong_merges": merges, "common_words": words, "proposed": prop}


def _node(d: dict[str, Any]) -> str:
    return f"{d['name']!r} [{d['id']}] ({d['papers']} papers)"


def _ids(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "-"


def format_report(r: dict[str, Any], limit: int = 20) -> str:
    """The audit as readable text: summary first, then each section's worst findings."""
    s, v = r["summary"], r["verdicts"]
    out = [f"kg audit of {r['export']}: {s['papers']} papers, {s['entities']} entities; "
           f"top {s['top']} entities by papers"]
    if s["bad_lines"]:
        out.append(f"  ({s['bad_lines']} unreadable lines skipped)")
    out += ["", "Summary",
            f"  duplicates      {v['duplicates']}",
            f"  wrong merges    {v['wrong_merges']}",
            f"  common words    {v['common_words']}",
            f"  multi-proposed  {v['proposed']}"]

    def more(items: list, shown: int) -> None:
        if len(items) > shown:
            out.append(f"  ... and {len(items) - shown} more (--json for all)")

    out += ["", f"1. Suspected duplicates: {len(r['duplicates'])} groups of nodes with one variant key"]
    for d in r["duplicates"][:limit]:
        out.append("  - " + "  ==  ".join(_node(n) for n in d["nodes"])
                   + f"   key {', '.join(d['variant_keys'])}")
        for n in d["nodes"]:
            out.append(f"      {n['id']}: papers {_ids(n['paper_ids'])}")
    more(r["duplicates"], limit)
    strong = [d for d in r["acronym_splits"] if d["strong"]]
    weak = [d for d in r["acronym_splits"] if not d["strong"]]
    out += ["", f"   Acronyms defined as one long form but still a separate node: {len(strong)}"]
    for d in strong[:limit]:
        a, lf = d["acronym"], d["long_form"]
        out.append(f"  - {_node(a)} is defined as {_node(lf)} in {lf['definitions']} papers"
                   + (f" (also {', '.join(lf['other_ids'])})" if lf["other_ids"] else ""))
        out.append(f"      bare uses: {_ids(a['paper_ids'])}; definitions: {_ids(lf['paper_ids'])}")
    more(strong, limit)
    if weak:
        out.append("   defined only once (may be another meaning): " + ", ".join(
            f"{d['acronym']['name']} = {d['long_form']['name']!r}" for d in weak[:limit])
            + (" ..." if len(weak) > limit else ""))

    if r["markup_names"]:
        out += ["", f"   Names with TeX markup (split from the clean spelling): {len(r['markup_names'])}"]
        for d in r["markup_names"][:limit]:
            out.append(f"  - {_node(d)}: {', '.join(repr(f) for f in d['forms'])}; papers {_ids(d['paper_ids'])}")
        more(r["markup_names"], limit)

    out += ["", f"2. Suspected wrong merges: {len(r['wrong_merges'])} nodes"]
    for d in r["wrong_merges"][:limit]:
        out.append(f"  - {_node(d)}: {'; '.join(d['reasons'])}")
        if d["lexicon_forms"] and "papers define it otherwise than the lexicon" in d["reasons"]:
            out.append(f"      lexicon: {', '.join(d['lexicon_forms'])}")
        for m in d["meanings"]:
            flags = [f for f, on in (("metric-like", m["metric_like"]),
                                     ("does not fit the acronym", not m["fits_acronym"]),
                                     ("not the lexicon's", not m["lexicon_meaning"])) if on]
            out.append(f"      {m['long_form']!r} in {m['papers']} papers"
                       + (f" [{', '.join(flags)}]" if flags else "") + f": {_ids(m['paper_ids'])}")
        for col in d["case_collisions"]:
            out.append(f"      written {col['text']!r} ({col['mentions']} mentions; lexicon: "
                       f"{', '.join(d['lexicon_forms'])}): {_ids(col['paper_ids'])}")
    more(r["wrong_merges"], limit)

    out += ["", f"3. Lexicon hits on common words: {len(r['common_word_hits'])} nodes"]
    for d in r["common_word_hits"][:limit]:
        out.append(f"  - {d['lexicon_name']!r} [{d['id']}]: {d['share']:.0%} of its "
                   f"{d['lexicon_mentions']} lexicon mentions")
        for h in d["hits"]:
            out.append(f"      matched {h['text']!r} {h['mentions']}x ({h['share']:.0%}; written in lower "
                       f"case {h['corpus_lowercase']}x in the corpus): {_ids(h['paper_ids'])}")
    more(r["common_word_hits"], limit)

    out += ["", f"4. Entities proposed by several papers: {len(r['multiply_proposed'])} nodes"]
    for d in r["multiply_proposed"][:limit]:
        kind = _KINDS[d["kind"]]
        where = f"on {len(d['ids'])} nodes" if d["graph"] == "split" else "on one node"
        out.append(f"  - {_node(d)}: proposed by {d['proposed_by']} papers {where}; {kind}"
                   + (f"\n      -> {d['problem']}" if d["problem"] else " (fine)"))
        for p in d["proposals"]:
            out.append(f"      {p['paper_id']}: {p['title']}")
    more(r["multiply_proposed"], limit)
    return "\n".join(out) + "\n"
