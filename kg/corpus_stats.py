"""Background knowledge from a corpus: how a phrase is written across many abstracts.

One paper says little about whether "Visual Place Recognition" is a name; a hundred
thousand say a lot: papers that mostly write it in lower case treat it as a term, and the
words around it ("the X dataset", "evaluated on X", "X achieves", "X devices") vote for
what kind of thing it is.  :class:`CorpusStats` holds those counts per surface form,
looked up by :func:`kg.normalize.key`; ``CorpusStats.default()`` loads the statistics
shipped with kg (``kg/lexicon/corpus-stats.tsv.gz``, built from 100k arXiv cs abstracts
with ``kg corpus-stats``), and :meth:`CorpusStats.merge` adds a user corpus's own.

Which forms are counted (*candidates*), found with regexes (no spaCy: 100k abstracts in
a few minutes on one core):

* single tokens shaped like names (:func:`kg.extract.shapes.is_name_like`: IoT, GPT-4,
  ResNet) anywhere, and capitalised words mid-sentence (Transformer, Adam);
* Title Case phrases of 2-6 words mid-sentence ("Internet of Things"; connectors
  of/for/and/in/on/with/to/the inside);
* both sides of a parenthesised acronym definition, "Long Form (ABC)", with the
  Schwartz-Hearst matcher of :mod:`kg.extract.abbreviations`; a long form is counted even
  when written in lower case ("electric vehicle (EV)");
* a title's name before its colon ("FooNet: ...").

Two passes.  Pass 1 finds the candidates and, at each candidate occurrence, the type
votes, proposals and acronym long forms.  Pass 2 (over a temporary copy of the texts, so
memory is bounded by the number of distinct forms, not papers) finds every occurrence
of every candidate form in any casing, on word pieces aligned to token boundaries, and
counts the papers (``df``) and the mid-sentence occurrences in the abstract written with
capitals (``capitalised``) or all in lower case (``lowercase``).  Titles count for ``df``
only: they are Title Case whatever they contain.

The file (gzipped TSV, UTF-8, rows sorted by key so a rebuild gives the same bytes)::

    # kg corpus-stats v1 papers=100000 min_df=3
    key  form  df  capitalised  lowercase  proposed  votes  long_forms  defined_capitalised

``key`` the normalised form, ``form`` its most common capitalised spelling (the most
common spelling if it is never capitalised), ``votes`` ``Type=n`` pairs joined by ``,``
(types among Method, Model, Dataset, Benchmark, term; a count is papers with at least one
such context), ``long_forms`` ``n:Long Form`` pairs joined by ``|``, most frequent first
(up to 5; for acronyms), ``defined_capitalised`` the capitalised occurrences right before
the form's acronym ("Large Language Models (LLMs)": capitals that show the letters, left out
of ``capitalised``).  Empty fields are empty strings.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .model import Paper
from .normalize import key

__all__ = ["TermStats", "CorpusStats", "TYPES", "DEFAULT_FILE"]

TYPES = ("Method", "Model", "Dataset", "Benchmark", "term")
DEFAULT_FILE = "corpus-stats.tsv.gz"
_HEADER = "# kg corpus-stats v1"
_COLUMNS = ("key", "form", "df", "capitalised", "lowercase", "proposed", "votes", "long_forms",
            "defined_capitalised")


@dataclass(frozen=True)
class TermStats:
    df: int                 # papers whose title or abstract contains the form (any casing)
    capitalised: int        # mid-sentence occurrences written with capitals (name-like casing)
    lowercase: int          # mid-sentence occurrences written all in lower case
    votes: dict[str, int]   # type -> papers with a context voting for it (keys among TYPES)
    long_forms: tuple[tuple[str, int], ...] = ()  # for acronyms: ("Long Form", papers), most frequent first
    proposed: int = 0       # papers that introduce it ("we propose X", "called X", "X, a novel ...")
    form: str = ""          # the most common (capitalised) spelling
    defined_capitalised: int = 0  # capitalised right before its acronym, "Large Language Models (LLMs)" (not in capitalised)

    @property
    def lowercase_share(self) -> float | None:
        n = self.capitalised + self.lowercase
        return self.lowercase / n if n else None


class CorpusStats:
    """Per-form corpus statistics, looked up by ``kg.normalize.key``.

    >>> stats = CorpusStats.default()
    >>> stats.lowercase_share("Internet of Things") > 0.5   # doctest: +SKIP
    True
    """

    def __init__(self, entries: dict[str, TermStats] | None = None, papers: int = 0):
        self._entries: dict[str, TermStats | str] = dict(entries or {})
        self.papers = papers  # papers the statistics were built from

    # ---- lookups -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, text: str) -> bool:
        return key(text) in self._entries

    def keys(self) -> Iterator[str]:
        return iter(self._entries)

    def get(self, text: str) -> TermStats | None:
        return self._get_key(key(text))

    def _get_key(self, k: str) -> TermStats | None:
        v = self._entries.get(k)
        if isinstance(v, str):  # parsed lazily: loading stays fast
            v = _parse_row(v)
            self._entries[k] = v
        return v

    def lowercase_share(self, text: str) -> float | None:
        """Of the form's mid-sentence occurrences with a clear casing, the share in lower case."""
        s = self.get(text)
        return s.lowercase_share if s is not None else None

    def type_votes(self, text: str) -> dict[str, int]:
        s = self.get(text)
        return dict(s.votes) if s is not None else {}

    def dominant_long_form(self, short: str, min_share: float = 0.7, min_count: int = 3) -> str | None:
        """The long form papers mostly define ``short`` as, if one dominates."""
        s = self.get(short)
        if s is None or not s.long_forms:
            return None
        total = sum(n for _, n in s.long_forms)
        form, n = s.long_forms[0]
        return form if n >= min_count and n / total >= min_share else None

    def items(self) -> Iterator[tuple[str, TermStats]]:
        for k in self._entries:
            yield k, self._get_key(k)

    def fingerprint(self) -> str:
        """A hash of the statistics (without parsing rows that were never looked up): what
        an extraction cache keys on."""
        h = hashlib.sha256(str(self.papers).encode())
        for k in sorted(self._entries):
            v = self._entries[k]
            h.update((f"{k}\t{v}" if isinstance(v, str) else _format_row(k, v)).encode() + b"\n")
        return h.hexdigest()

    # ---- combining ---------------------------------------------------------------------
    def merge(self, other: "CorpusStats") -> "CorpusStats":
        """A new CorpusStats with the counts of both (e.g. a user's corpus added to the shipped one)."""
        out = dict(self.items())
        for k, b in other.items():
            a = out.get(k)
            out[k] = b if a is None else _add(a, b)
        return CorpusStats(out, self.papers + other.papers)

    # ---- files -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the gzipped TSV (sorted by key; the same stats give the same bytes)."""
        from .atomic import atomic_write
        buf = io.StringIO()
        buf.write(f"{_HEADER} papers={self.papers}\n")
        buf.write("\t".join(_COLUMNS) + "\n")
        for k in sorted(self._entries):
            buf.write(_format_row(k, self._get_key(k)) + "\n")
        raw = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(buf.getvalue().encode("utf-8"))
        path = Path(path)
        with atomic_write(path, "wb") as fh:
            fh.write(raw.getvalue())
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "CorpusStats":
        entries: dict[str, TermStats | str] = {}
        papers = 0
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as fh:
            for n, line in enumerate(fh):
                if n < 2 and line.startswith("#"):
                    m = re.search(r"papers=(\d+)", line)
                    if m:
                        papers = int(m.group(1))
                    continue
                if n < 2 and line.startswith("key\t"):  # the column header (a form may be "key")
                    continue
                k, _, rest = line.rstrip("\n").partition("\t")
                if k:
                    entries[k] = rest
        out = cls(papers=papers)
        out._entries = entries
        return out

    @classmethod
    def default(cls) -> "CorpusStats":
        """The statistics shipped with kg (loaded once); empty if the file is missing."""
        return _default()

    # ---- building ----------------------------------------------------------------------
    @classmethod
    def build(cls, papers: Iterable[Paper], *, min_df: int = 3,
              progress: Callable[[Iterable, str, int | None], Iterable] | None = None,
              max_forms: int = 4_000_000) -> "CorpusStats":
        """Statistics of ``papers`` (streamed once; the texts are spooled to a temporary
        file for the second pass).  Forms in fewer than ``min_df`` papers are dropped.
        ``progress(iterable, description, total)`` may wrap each pass (e.g. with tqdm).
        When more than ``max_forms`` distinct candidates are held, forms seen in one
        paper only are pruned."""
        b = _Builder(max_forms=max_forms)
        wrap = progress or (lambda it, desc, total: it)
        fd, tmp = tempfile.mkstemp(prefix="kg-corpus-stats-", suffix=".txt")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as spool:
                for p in wrap(papers, "corpus stats: pass 1", None):
                    title, abstract = _clean(p.title), _clean(p.abstract)
                    b.observe(title, abstract)
                    spool.write(title + "\t" + abstract + "\n")
            b.index()
            with open(tmp, encoding="utf-8") as spool:
                for line in wrap(spool, "corpus stats: pass 2", b.papers):
                    title, _, abstract = line.rstrip("\n").partition("\t")
                    b.count(title, abstract)
        finally:
            os.unlink(tmp)
        return cls(b.result(min_df), b.papers)


@lru_cache(maxsize=1)
def _default() -> CorpusStats:
    res = resources.files("kg") / "lexicon" / DEFAULT_FILE
    try:
        if res.is_file():
            with resources.as_file(res) as path:
                return CorpusStats.load(path)
    except (OSError, EOFError, ValueError):
        pass
    return CorpusStats()


# ---- the file's rows --------------------------------------------------------------------

def _clean_field(s: str) -> str:
    return re.sub(r"[\t\n\r|]+", " ", s).strip()


def _format_row(k: str, s: TermStats) -> str:
    votes = ",".join(f"{t}={s.votes[t]}" for t in sorted(s.votes) if s.votes[t])
    longs = "|".join(f"{n}:{_clean_field(f)}" for f, n in s.long_forms)
    return "\t".join((k, _clean_field(s.form), str(s.df), str(s.capitalised), str(s.lowercase),
                      str(s.proposed), votes, longs, str(s.defined_capitalised)))


def _parse_row(rest: str) -> TermStats:
    form, df, cap, low, prop, votes, longs, dcap = (rest.split("\t") + [""] * 8)[:8]
    v = {}
    for pair in filter(None, votes.split(",")):
        t, _, n = pair.partition("=")
        v[t] = int(n)
    lf = []
    for pair in filter(None, longs.split("|")):
        n, _, f = pair.partition(":")
        lf.append((f, int(n)))
    return TermStats(df=int(df or 0), capitalised=int(cap or 0), lowercase=int(low or 0), votes=v,
                     long_forms=tuple(lf), proposed=int(prop or 0), form=form,
                     defined_capitalised=int(dcap or 0))


def _add(a: TermStats, b: TermStats) -> TermStats:
    votes = dict(a.votes)
    for t, n in b.votes.items():
        votes[t] = votes.get(t, 0) + n
    longs: dict[str, list] = {}
    for f, n in a.long_forms + b.long_forms:
        k = key(f)
        if k in longs:
            cur = longs[k]
            if n > cur[2]:  # the spelling of the larger count wins
                cur[0], cur[2] = f, n
            cur[1] += n
        else:
            longs[k] = [f, n, n]
    lf = sorted(((f, n) for f, n, _ in longs.values()), key=lambda x: (-x[1], x[0]))[:5]
    return TermStats(df=a.df + b.df, capitalised=a.capitalised + b.capitalised,
                     lowercase=a.lowercase + b.lowercase, votes=votes, long_forms=tuple(lf),
                     proposed=a.proposed + b.proposed, form=a.form if a.df >= b.df else b.form,
                     defined_capitalised=a.defined_capitalised + b.defined_capitalised)


# ---- text ---------------------------------------------------------------------------------

_MATH = re.compile(r"\$[^$]{0,300}\$")
_TEX_CMD = re.compile(r"\\[a-zA-Z]+\*?\{([^{}]*)\}")


def _clean(text: str) -> str:
    text = _MATH.sub(" \u2205 ", text or "")
    text = _TEX_CMD.sub(r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


_SENT_SPLIT = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bal\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\bcf\.)(?<!\betc\.)"
    r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
# a word: letters/digits, with inner hyphens, dots, +, @, apostrophes, slashes ("MSR-VTT",
# "GPT-4.5", "C++", "pass@1", "TCP/IP"); never a trailing period or comma
_TOKEN = re.compile(r"[^\W_](?:[\w\-\u2010-\u2015+.@'\u2019/]*[\w+])?")
_PIECE_SPLIT = re.compile(r"[\s\-\u2010-\u2015_./'\u2019]+")


def _modifiers() -> str:
    from .extract.tokenizer import HYPHEN_MODIFIERS
    words = set(HYPHEN_MODIFIERS) | set(_TERM_SUFFIXES) | {"enabled", "assisted", "driven", "integrated"}
    return "|".join(sorted(words, key=len, reverse=True))


# hyphenated modifiers split off a name: "IoT-enabled", "CLIP-based" -> "IoT", "CLIP"
_TERM_SUFFIXES = ("enabled", "assisted", "driven", "aware", "centric", "oriented", "integrated",
                  "connected", "equipped", "capable", "empowered")
@lru_cache(maxsize=1)
def _modifier_re() -> re.Pattern:
    # compiled on first use: importing this module does not load the extractor
    return re.compile(r"^(.+?[A-Za-z0-9)])[-\u2010\u2011]((?:%s)|[a-z]{3,}ed)$" % _modifiers(), re.I)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(text) if s]


def _tokens(sentence: str) -> list[tuple[int, int, str, str]]:
    """(start, end, text, modifier) of each word; "IoT-enabled" -> "IoT" with modifier "enabled"."""
    out = []
    for m in _TOKEN.finditer(sentence):
        t = m.group()
        if "-" in t or "\u2010" in t or "\u2011" in t:
            mm = _modifier_re().match(t)
            if mm:
                stem = mm.group(1)
                out.append((m.start(), m.start() + len(stem), stem, mm.group(2).lower()))
                continue
        out.append((m.start(), m.end(), t, ""))
    return out


def _pieces(text: str) -> tuple[str, ...]:
    return tuple(p for p in _PIECE_SPLIT.split(text.casefold()) if p)


@lru_cache(maxsize=500_000)
def _name_like(t: str) -> bool:
    from .extract.shapes import is_name_like
    return is_name_like(t)


def _looks_name(t: str) -> bool:
    if t.islower() and not any(c.isdigit() for c in t):
        return False
    return _name_like(t)


# ---- context patterns: evidence for a type ------------------------------------------------
# Each pattern is anchored at the candidate: AFTER patterns match the text right after it
# (a parenthesised acronym in between is skipped), BEFORE patterns the text right before.

_SKIP_PAREN = r"^(?:\s*\([^()]{1,20}\))?"
_NAMES_LIST = (r"(?:(?:the\s+)?[A-Z][\w\-.+]*(?:\s+[\w\-.+]+)?(?:\s*,\s*|\s+(?=and\b|or\b)))*"
               r"(?:and\s+|or\s+)?")
_LIST_TAIL = r"(?:\s*,?\s*(?:and|or)?\s+(?:the\s+)?[A-Z][\w\-.+]*(?:\s+\d[\w.]*)?)*"
_INTRO = r"\s*(?:,|:|\()?\s*(?:such\s+as|including|like|e\.g\.,?|namely)\s+"

_AFTER = [
    ("Dataset", "dataset-head", re.compile(
        _SKIP_PAREN + r"\s+(?:dataset|data\s+set|corpus)\b|" + _SKIP_PAREN + _LIST_TAIL
        + r"\s+(?:datasets|data\s+sets|corpora)\b")),
    ("Benchmark", "benchmark-head", re.compile(
        _SKIP_PAREN + r"\s+(?:benchmark|leaderboard|test\s+set|test\s+suite|challenge)\b|"
        + _SKIP_PAREN + _LIST_TAIL + r"\s+(?:benchmarks|leaderboards|test\s+sets)\b")),
    ("Model", "model-head", re.compile(
        _SKIP_PAREN + r"\s+(?:model|models|LLM|LLMs|checkpoints?|architecture|backbones?|encoder)\b")),
    ("Model", "model-verb", re.compile(
        _SKIP_PAREN + r"\s+(?:achieves|outperforms|surpasses|attains)\b")),
    ("Model", "model-size", re.compile(r"^[\s-](?:\d+(?:\.\d+)?[BM]|\d+x\d+B)\b")),
    ("Method", "method-head", re.compile(
        _SKIP_PAREN + r"[\s-]+(?:method|algorithm|framework|approach|loss|technique|"
        r"optimizer|objective|regularizer|regularization|procedure)\b")),
    # a plural head names a family or a task, not one method: "SLAM methods", "VPR approaches"
    ("term", "methods-for", re.compile(
        _SKIP_PAREN + r"\s+(?:methods|algorithms|approaches|techniques|frameworks|pipelines|solutions)\b")),
    ("term", "term-head", re.compile(
        _SKIP_PAREN + r"\s+(?:devices?|systems|networks|applications?|technology|technologies|"
        r"environments?|services?|sensors?|platforms?|domains?|field|fields|research|"
        r"communit(?:y|ies)|industry|industries|sector|ecosystems?|infrastructures?|"
        r"deployments?|paradigm|scenarios?|tasks?|problems?|operators?|nodes)\b")),
]
_AFTER.append(("term", "metric", re.compile(
    _SKIP_PAREN + r"(?:\s+(?:of|=|improvement\s+of)\s+(?:only\s+|about\s+|approximately\s+)?"
    r"(?:[\d\u2205]|\$)|\s*(?:=|<|>|\u2264|\u2265)\s*[\d\u2205]|\s+(?:metrics?|scores?\s+of|values?\s+of)\b)")))
_BEFORE = [
    ("Dataset", "dataset-list", re.compile(r"\b(?:datasets?|corpora)" + _INTRO + _NAMES_LIST + r"$")),
    ("Dataset", "trained-on", re.compile(
        r"\b(?:trained|pre-?trained|fine-?tuned|finetuned)\s+(?:\w+\s+)?on\s+(?:the\s+)?$")),
    ("Benchmark", "benchmark-list", re.compile(r"\bbenchmarks" + _INTRO + _NAMES_LIST + r"$")),
    ("Model", "fine-tune", re.compile(
        r"\b(?:fine-?tun(?:e|es|ed|ing)|finetun(?:e|es|ed|ing)|prompt(?:s|ed|ing)?|distill(?:s|ed|ing)?\s+from)"
        r"\s+(?:the\s+|a\s+)?$")),
    ("Model", "model-list", re.compile(
        r"\b(?:LLMs|MLLMs|VLMs|LVLMs|models|language\s+models|networks|architectures|backbones|"
        r"encoders|detectors)" + _INTRO + _NAMES_LIST + r"$")),
    ("Method", "method-list", re.compile(
        r"\b(?:methods|algorithms|approaches|techniques|optimizers|losses)" + _INTRO + _NAMES_LIST + r"$")),
    ("term", "term-list", re.compile(
        r"\b(?:fields|domains|areas|technologies|applications|sectors|industries|disciplines)"
        + _INTRO + _NAMES_LIST + r"$")),
    ("term", "in-terms-of", re.compile(r"\b(?:in\s+terms\s+of|metrics?\s+(?:such\s+as|like|including))\s+(?:the\s+)?" + _NAMES_LIST + r"$")),
    ("term", "field-of", re.compile(
        r"\b(?:field|area|domain|context|era|realm)s?\s+of\s+(?:the\s+)?$")),
]
# "on X" after an evaluation word of the same sentence, where X ends the noun phrase
_ON = re.compile(r"\bon\s+(?:the\s+)?(?:[A-Z][\w\-.+]*(?:\s+\d[\w.]*)?(?:\s*,\s*|\s+(?=and\b)))*"
                 r"(?:and\s+)?$")
_EVAL = re.compile(r"\b(?:evaluat\w*|experiments?|results|outperform\w*|achiev\w*|surpass\w*|"
                   r"state-of-the-art|SOTA|accuracy|performance|tested|scores?)\b")
_NP_END = re.compile(
    r"^(?:\s*\([^()]{1,20}\))?(?:\s*(?:[,.;:)]|$)|\s+(?:and|or|show\w*|demonstrat\w*|reveal\w*|"
    r"indicat\w*|confirm\w*|validat\w*|verif\w*|highlight\w*|suggest\w*|with|using|under|across|"
    r"benchmarks?|test\s+sets?|leaderboards?|splits?)\b)")
_SIZED = re.compile(r"(?:^|[-\s])\d+(?:\.\d+)?[BM]$")

# proposals
_PROPOSE_BEFORE = re.compile(
    r"(?:\b[Ww]e\s+(?:propose|introduce|present|develop|release|unveil|design|build|construct|curate)"
    r"\s+(?:here\s+)?(?:the\s+)?"
    r"|\b(?:called|named|dubbed|termed|coined)\s+(?:as\s+)?[\"\u201c]?"
    r"|\b(?:propos|introduc|present|develop)\w*\s+(?:a|an)\s+(?:[\w-]+\s+){0,5}?(?:framework|method|model|"
    r"approach|benchmark|dataset|algorithm|system|architecture|technique|network|pipeline|suite|"
    r"library|toolkit|agent|corpus|loss)\s*,?\s*[\"\u201c]?)$")
_PROPOSE_AFTER = re.compile(
    r"^(?:\s*\([^()]{1,20}\))?(?:\s*,|\s+is)\s+(?:a|an)\s+(?:novel|new|simple|general|unified|"
    r"lightweight|efficient|scalable|large-scale|open|first)\b")
_TITLE_NAME = re.compile(r"^\s*([^:]{2,60}?)\s*:\s*\S")
_TITLE_STOP = {"on", "towards", "toward", "when", "why", "how", "what", "do", "does", "can", "is",
               "are", "beyond", "rethinking", "revisiting", "a", "an", "the", "from", "understanding",
               "improving", "exploring", "learning", "position", "survey", "review"}

# Title Case phrases
_CONNECT = {"of", "for", "and", "in", "on", "with", "to", "the"}
_EDGE_STOP = {"the", "a", "an", "this", "these", "our", "its", "their", "and", "or", "of", "for",
              "in", "on", "with", "to", "by", "from", "novel", "new", "proposed"}
_LONG_BAD = {"is", "are", "was", "were", "be", "that", "which", "we", "it", "a", "an", "the"}


# words that are never counted as a form on their own (capitalised mid-sentence after a
# missed sentence break, or an acronym that spells a word: "(IS)", "(CAN)", "(OR)")
_STOPWORDS = frozenset("""
a about above across after again against all also although among an and any are as at be
because been before being between both but by can could did do does doing down during each
either for from further had has have having here how however i if in into is it its itself
just may might more moreover most much must no nor not now of off on once only or other our
ours out over own per rather same she should since so some such than that the their them then
there therefore these they this those though through thus to too under until up upon very via
was we were what when where whether which while who whom whose why will with within without
would yet you your furthermore additionally finally first second third specifically notably
here overall meanwhile instead recently today many several new novel existing
""".split())


def _is_cap(t: str) -> bool:
    return t[0].isupper()


# ---- the builder --------------------------------------------------------------------------

class _Form:
    __slots__ = ("cand", "spell", "votes", "proposed", "longs", "df", "cap", "low", "dcap")

    def __init__(self):
        self.cand = 0          # papers where it was a candidate
        self.spell: dict[str, int] = {}
        self.votes: dict[str, int] = {}   # pattern -> papers
        self.proposed = 0
        self.longs: dict[str, dict[str, int]] | None = None  # long key -> spelling -> papers
        self.df = 0
        self.cap = 0
        self.low = 0
        self.dcap = 0


_PATTERN_TYPE = {name: typ for typ, name, _ in _AFTER + _BEFORE}
_PATTERN_TYPE.update({"on-eval": "Benchmark", "model-list-size": "Model", "term-suffix": "term"})


class _Builder:
    def __init__(self, max_forms: int = 4_000_000):
        self.forms: dict[str, _Form] = {}
        self.papers = 0
        self.max_forms = max_forms
        self._first: dict[str, set[int]] = {}
        self._prefix2: set[tuple[str, str]] = set()
        self._by_pieces: dict[tuple[str, ...], str] = {}
        self._connect_pieces = set(_CONNECT)

    # -- pass 1 --
    def observe(self, title: str, abstract: str) -> None:
        self.papers += 1
        seen: dict[str, str] = {}          # key -> spelling (candidates of this paper)
        votes: set[tuple[str, str]] = set()
        proposed: set[str] = set()
        longs: dict[str, tuple[str, str]] = {}  # short key -> (long key, long spelling)

        def cand(text: str) -> str | None:
            k = key(text)
            if len(k) < 2 or k in _STOPWORDS:
                return None
            if k not in seen or (not _is_cap(seen[k]) and _is_cap(text)):
                seen[k] = text
            return k

        # the title: name-shaped words, and the name before a colon
        for _, _, t, _ in _tokens(title):
            if _looks_name(t):
                cand(t)
        m = _TITLE_NAME.match(title)
        if m:
            name = m.group(1)
            words = name.split()
            if (len(words) <= 4 and words[0].lower() not in _TITLE_STOP and "," not in name
                    and all(_is_cap(w) or w in _CONNECT for w in words)):
                k = cand(name)
                if k:
                    proposed.add(k)
        for sent in _sentences(abstract):
            self._sentence(sent, cand, votes, proposed, longs)
        # tally
        for k, text in seen.items():
            f = self.forms.get(k)
            if f is None:
                f = self.forms[k] = _Form()
            f.cand += 1
            if len(f.spell) < 8 or text in f.spell:
                f.spell[text] = f.spell.get(text, 0) + 1
        for k, pattern in votes:
            v = self.forms[k].votes
            v[pattern] = v.get(pattern, 0) + 1
        for k in proposed:
            self.forms[k].proposed += 1
        for k, (lk, spelling) in longs.items():
            f = self.forms[k]
            if f.longs is None:
                f.longs = {}
            d = f.longs.setdefault(lk, {})
            if len(d) < 4 or spelling in d:
                d[spelling] = d.get(spelling, 0) + 1
        if len(self.forms) > self.max_forms:
            self._prune()

    def _prune(self) -> None:
        self.forms = {k: f for k, f in self.forms.items() if f.cand > 1 or f.longs}

    def _sentence(self, sent: str, cand, votes, proposed, longs) -> None:
        toks = _tokens(sent)
        n = len(toks)
        if not n:
            return
        occurrences: list[tuple[str, int, int, bool]] = []  # key, start, end, vote?
        pairs: list[tuple[str, str]] = []  # (long key, short key) of definitions
        in_run = [False] * n
        # a Title Case run at the sentence start is not evidence ("Large Language Models are")
        start_run = 1
        if _is_cap(toks[0][2]):
            while start_run < n and _is_cap(toks[start_run][2]) and not toks[start_run - 1][3] and \
                    sent[toks[start_run - 1][1]:toks[start_run][0]] == " ":
                start_run += 1
        # Title Case runs, mid-sentence
        i = start_run
        while i < n:
            if not _is_cap(toks[i][2]) or toks[i][3]:
                i += 1
                continue
            j = i + 1
            while j < n and sent[toks[j - 1][1]:toks[j][0]] == " " and not toks[j - 1][3]:
                w = toks[j][2]
                if w in _CONNECT:
                    # "FooNet on BarSet", "GPT-4 and Claude" are two names, not one phrase
                    if _looks_name(toks[j - 1][2]) or (j + 1 < n and _looks_name(toks[j + 1][2])):
                        break
                elif not _is_cap(w):
                    break
                j += 1
            while j > i and toks[j - 1][2] in _CONNECT:
                j -= 1
            words = [t[2] for t in toks[i:j]]
            content = [w for w in words if w not in _CONNECT]
            if len(content) >= 2 and len(words) <= 6:
                for x in range(i, j):
                    in_run[x] = True
                k = cand(sent[toks[i][0]:toks[j - 1][1]])
                if k:
                    occurrences.append((k, toks[i][0], toks[j - 1][1], True))
                if "and" in words:  # "Mamba and Transformer": each side too
                    a = words.index("and")
                    for lo, hi in ((i, i + a), (i + a + 1, j)):
                        side = [t[2] for t in toks[lo:hi] if t[2] not in _CONNECT]
                        if len(side) >= 2 and toks[lo][2] not in _CONNECT and toks[hi - 1][2] not in _CONNECT:
                            k = cand(sent[toks[lo][0]:toks[hi - 1][1]])
                            if k:
                                occurrences.append((k, toks[lo][0], toks[hi - 1][1], True))
            i = max(j, i + 1)
        # single words
        for x, (s, e, t, mod) in enumerate(toks):
            named = _looks_name(t)
            if named or (x >= start_run and x > 0 and _is_cap(t) and len(t) >= 2):
                k = cand(t)
                if k:
                    occurrences.append((k, s, e, named or not in_run[x]))
                    if mod in _TERM_SUFFIXES:
                        votes.add((k, "term-suffix"))
        # acronym definitions
        for m in re.finditer(r"\(([^()\s;,]{2,12})[);,]", sent):
            short = m.group(1)
            if not _short_form(short):
                continue
            long = _long_form(sent, m.start(), short)
            if long is None:
                continue
            ls, le = long
            lt = sent[ls:le]
            sk, lk = cand(short), cand(lt)
            if sk and lk and sk != lk:
                longs.setdefault(sk, (lk, lt))
                occurrences.append((lk, ls, le, True))
                pairs.append((lk, sk))
        # contexts
        for k, s, e, vote in occurrences:
            if not vote:
                continue
            before = sent[max(0, s - 120):s]
            after = sent[e:e + 80]
            if _PROPOSE_BEFORE.search(before) or _PROPOSE_AFTER.match(after):
                proposed.add(k)
            for _, name, rx in _AFTER:
                if rx.match(after):
                    votes.add((k, name))
            for _, name, rx in _BEFORE:
                if rx.search(before):
                    votes.add((k, name))
            if _ON.search(before) and _NP_END.match(after) and _EVAL.search(sent, 0, s):
                votes.add((k, "on-eval"))
            if _SIZED.search(sent[s:e]):
                votes.add((k, "model-list-size"))
        # a defined acronym shares its long form's contexts of the definition
        for lk, sk in pairs:
            if lk in proposed:
                proposed.add(sk)

    # -- between passes --
    def index(self) -> None:
        for k, f in self.forms.items():
            for text in sorted(f.spell):
                p = _pieces(text)
                if not p or "".join(p) != k:  # NFKC changed it: such a form is not counted
                    continue
                self._by_pieces.setdefault(p, k)
                self._first.setdefault(p[0], set()).add(len(p))
                if len(p) >= 2:
                    self._prefix2.add((p[0], p[1]))
        self._first_sorted = {w: sorted(ls) for w, ls in self._first.items()}

    # -- pass 2 --
    def count(self, title: str, abstract: str) -> None:
        found: set[str] = set()
        self._scan(title, found, None)
        for sent in _sentences(abstract):
            self._scan(sent, found, sent)
        forms = self.forms
        for k in found:
            forms[k].df += 1

    def _scan(self, text: str, found: set[str], sent: str | None) -> None:
        pieces: list[str] = []   # casefolded
        raw: list[str] = []
        tstart: list[bool] = []
        tend: list[bool] = []
        seg: list[int] = []
        tokidx: list[int] = []
        segment, prev_end = 0, None
        toks = _tokens(text)
        for ti, (s, e, t, mod) in enumerate(toks):
            if prev_end is not None and text[prev_end:s].strip():
                segment += 1
            ps = [p for p in _PIECE_SPLIT.split(t) if p] if _HAS_SEP.search(t) else (t,)
            for pi, p in enumerate(ps):
                raw.append(p)
                pieces.append(p.casefold())
                tstart.append(pi == 0)
                tend.append(pi == len(ps) - 1)
                seg.append(segment)
                tokidx.append(ti)
            prev_end = e
            if mod:
                segment += 1
        # per token: capitalised word / connector, and its segment, for the Title Case context
        tcap = [_is_cap(t[2]) for t in toks]
        tconn = [t[2] in _CONNECT for t in toks]
        ttext = [t[2] for t in toks]
        tseg: dict[int, int] = {}
        for pi, ti in enumerate(tokidx):
            tseg.setdefault(ti, seg[pi])
        first, prefix2, by_pieces = self._first_sorted, self._prefix2, self._by_pieces
        n = len(pieces)
        for i in range(n):
            if not tstart[i]:
                continue
            lengths = first.get(pieces[i])
            if lengths is None:
                continue
            two = i + 1 < n and (pieces[i], pieces[i + 1]) in prefix2
            for L in lengths:
                if L > 1 and not two:
                    break
                j = i + L - 1
                if j >= n or not tend[j] or seg[j] != seg[i]:
                    continue
                k = by_pieces.get(tuple(pieces[i:j + 1])) if L > 1 else by_pieces.get((pieces[i],))
                if k is None:
                    continue
                found.add(k)
                if sent is None or tokidx[i] == 0:
                    continue
                f = self.forms[k]
                words = raw[i:j + 1]
                if not any(c.isupper() for w in words for c in w):
                    f.low += 1
                elif all(any(c.isupper() for c in w) for w in words
                         if w[0].isalpha() and w.casefold() not in self._connect_pieces):
                    # capitals inside a longer Title Case phrase ("Large Language Models
                    # Benchmark") say nothing about this form, unless it is name-shaped
                    ti0, ti1 = tokidx[i], tokidx[j]
                    if _DEF_AFTER.match(text, toks[ti1][1]):
                        f.dcap += 1
                        continue  # "Large Language Models (LLMs)": capitals that show the letters
                    if not _title_context(tcap, tconn, tseg, ttext, ti0, ti1) or _looks_name("".join(words)):
                        f.cap += 1

    # -- result --
    def result(self, min_df: int) -> dict[str, TermStats]:
        out = {}
        for k, f in self.forms.items():
            if f.df < min_df or not f.spell:
                continue
            share = f.low / (f.low + f.cap) if f.low + f.cap else None
            if not (f.longs or f.proposed or sum(f.votes.values()) >= 2 or " " in next(iter(f.spell))
                    or _looks_name(next(iter(f.spell))) or (f.cap >= 2 and (share or 0) <= 0.9)):
                continue  # a plain word, mostly lower case, with no evidence: no help to anyone
            caps = {t: n for t, n in f.spell.items() if any(c.isupper() for c in t)}
            pool = caps or f.spell
            form = max(pool, key=lambda t: (pool[t], t))
            votes: dict[str, int] = {}
            for pattern, n in f.votes.items():
                t = _PATTERN_TYPE[pattern]
                votes[t] = votes.get(t, 0) + n
            lf: tuple[tuple[str, int], ...] = ()
            if f.longs:
                rows = []
                for spellings in f.longs.values():
                    total = sum(spellings.values())
                    best = max(spellings, key=lambda t: (spellings[t], t))
                    rows.append((best, total))
                lf = tuple(sorted(rows, key=lambda x: (-x[1], x[0]))[:5])
            out[k] = TermStats(df=f.df, capitalised=f.cap, lowercase=f.low, votes=votes,
                               long_forms=lf, proposed=f.proposed, form=form, defined_capitalised=f.dcap)
        return out


_HAS_SEP = re.compile(r"[\-\u2010-\u2015_./'\u2019]")
_DEF_AFTER = re.compile(r"\s*\([^()\s]{2,12}[);,]")


def _title_context(tcap, tconn, tseg, toks_text, ti0: int, ti1: int) -> bool:
    """Is the token span [ti0, ti1] next to a capitalised word (through a connector) of its segment?"""
    seg = tseg[ti0]
    for step, edge in ((-1, ti0), (1, ti1)):
        t = edge + step
        if t in tseg and tseg[t] == seg and tconn[t]:
            t += step
            if t in tseg and _looks_name(toks_text[t]):  # "GPT-4 and Claude": two names
                continue
        if t in tseg and tseg[t] == seg and tcap[t] and (t > 0 or step > 0):
            return True
    return False


def _short_form(text: str) -> bool:
    from .extract.abbreviations import _is_short_form
    return _is_short_form(text) and not text.isdigit()


def _long_form(sent: str, paren: int, short: str) -> tuple[int, int] | None:
    """Char span of the long form before the parenthesis at ``paren``, Schwartz-Hearst style."""
    from .extract.abbreviations import _find_long_form, initials_long_form
    n_short = len([c for c in short if c.isalnum()])
    max_words = min(n_short + 5, n_short * 2)
    end = paren
    while end > 0 and sent[end - 1] == " ":
        end -= 1
    # the window: up to max_words words back, not across phrase punctuation or "we"/"our"
    words = list(re.finditer(r"\S+", sent[:end]))[-max_words:]
    start_i = 0
    for wi in range(len(words) - 1, -1, -1):
        w = words[wi].group()
        if w.lower() in {"we", "our"} or w[-1] in ",;:()." or w[0] in "(":
            start_i = wi + 1
            break
    words = words[start_i:]
    if not words:
        return None
    ws = words[0].start()
    window = sent[ws:end]
    off = initials_long_form(short, window)
    if off is None:
        off = _find_long_form(short, window)
    if off is None:
        return None
    s = ws + off
    # trim edge stopwords
    toks = [(m.start() + s, m.end() + s, m.group()) for m in re.finditer(r"\S+", sent[s:end])]
    while toks and toks[0][2].lower() in _EDGE_STOP:
        toks.pop(0)
    while toks and toks[-1][2].lower() in _EDGE_STOP:
        toks.pop()
    if not toks or len(toks) > 8 or any(t[2].lower() in _LONG_BAD for t in toks):
        return None
    s, e = toks[0][0], toks[-1][1]
    text = sent[s:e]
    if key(text) == key(short) or (len(toks) == 1 and len(text) <= len(short) + 2):
        return None
    if not text[0].isalnum():
        return None
    return s, e
