"""BibTeX, read entry by entry with a small tolerant parser (no dependency).

``@article{key, title = {...}, abstract = "...", author = {A and B}, year = 2023,
eprint = {2401.01234}, url = {...}}``: values in braces (nested), in quotes, numbers or
``@string`` macros, joined with ``#``.  ``@comment``, ``@preamble`` and text between
entries are ignored.  An entry is collected from its ``@`` to its closing brace and
parsed alone, so only one entry is ever in memory.  An entry whose braces never close
is cut off where the next line starting with ``@type{`` begins, and reported.

Paper fields: id = the arXiv id from ``eprint`` (version dropped) if there is one, else
the entry key; date = ``date``, else ``year`` (``-MM`` added from ``month``); url =
``url``, else ``https://doi.org/<doi>``, else the arXiv abstract page; authors split on
``and`` with ``Last, First`` turned round.  Text gets the light TeX clean-up, with ``~``
between words read as a space.
"""
from __future__ import annotations

import re
from typing import Iterator

from kg.model import Paper

from ._base import Ctx, collapse, is_arxiv_id, iter_lines, strip_arxiv_version
from .tex import detex

_START = re.compile(r"@\s*([A-Za-z][\w-]*)\s*([{(])")
_LINE_START = re.compile(r"^\s*@\s*[A-Za-z][\w-]*\s*[{(]")
_NAME = re.compile(r"[^\s=,{}()\"#%]+")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {m[:3]: str(i) for i, m in enumerate(_MONTH_NAMES, 1)}  # @string macros jan..dec
_MONTH_NUM = {**{m: i for i, m in enumerate(_MONTH_NAMES, 1)},
              **{m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)}}


class BibError(ValueError):
    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos


def _entries(ctx: Ctx, fh) -> Iterator[tuple[int, str, tuple[int, str] | None]]:
    """(start line, entry text from '@' to its closing delimiter, problem) for each entry;
    problem is (line, message) for an entry that cannot be used."""
    buf: list[str] = []
    start = 0
    depth = 0
    closer = ""
    problem: tuple[int, str] | None = None
    for n, text, bad in iter_lines(ctx, fh):
        pos = 0
        if buf and depth > 0 and _LINE_START.match(text):
            # the open entry never closed; a new one starts here
            yield start, "".join(buf), (start, f"entry is not closed (unbalanced braces) before line {n}")
            buf = []
        while pos < len(text):
            if not buf:
                m = _START.search(text, pos)
                if not m:
                    break
                start, depth, problem = n, 0, None
                closer = "}" if m.group(2) == "{" else ")"
                buf.append(text[m.start():m.end()])
                depth = 1
                pos = m.end()
            # scan for the end of the open entry
            i = pos
            while i < len(text):
                ch = text[i]
                if ch == "{":
                    depth += 1
                elif ch == "}" or (ch == ")" and closer == ")" and depth == 1):
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if bad and problem is None:
                problem = (n, f"{bad} (in the entry starting at line {start})")
            if depth == 0:
                buf.append(text[pos:i + 1])
                yield start, "".join(buf), problem
                buf = []
                pos = i + 1
            else:
                buf.append(text[pos:])
                break
    if buf:
        yield start, "".join(buf), (start, "entry is not closed (unbalanced braces) before the end of the file")


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i].isspace():
        i += 1
    return i


def _braced(s: str, i: int) -> tuple[str, int]:
    """s[i] == '{': the text inside the matching braces, and the index after them."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    raise BibError(i, "unbalanced braces in a value")


def _quoted(s: str, i: int) -> tuple[str, int]:
    """s[i] == '"': the text up to the closing quote outside braces."""
    depth = 0
    for j in range(i + 1, len(s)):
        c = s[j]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0 and s[j - 1] != "\\":
            return s[i + 1:j], j + 1
    raise BibError(i, "unterminated quoted value")


def _value(s: str, i: int, macros: dict[str, str]) -> tuple[str, int]:
    parts = []
    while True:
        i = _skip_ws(s, i)
        if i >= len(s):
            raise BibError(i, "value missing")
        c = s[i]
        if c == "{":
            v, i = _braced(s, i)
        elif c == '"':
            v, i = _quoted(s, i)
        else:
            m = _NAME.match(s, i)
            if not m:
                raise BibError(i, f"unexpected {c!r} where a value should be")
            word = m.group(0)
            v = word if word.isdigit() else macros.get(word.lower(), word)
            i = m.end()
        parts.append(v)
        i = _skip_ws(s, i)
        if i < len(s) and s[i] == "#":
            i += 1
            continue
        return "".join(parts), i


def parse_entry(text: str, macros: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    """'@type{key, name = value, ...}' -> (type, key, fields); raises BibError."""
    m = _START.match(text)
    if not m:
        raise BibError(0, "not an entry")
    etype = m.group(1).lower()
    body_end = len(text) - 1 if text.rstrip()[-1:] in "})" else len(text)
    s = text[:body_end]
    i = m.end()
    fields: dict[str, str] = {}
    if etype in ("comment", "preamble"):
        return etype, "", fields
    key = ""
    if etype != "string":
        j = s.find(",", i)
        key_end = j if j >= 0 else len(s)
        key = s[i:key_end].strip()
        if "=" in key:  # no key: the first field follows directly
            key = ""
        else:
            i = key_end + 1
    while True:
        i = _skip_ws(s, i)
        while i < len(s) and s[i] == ",":
            i = _skip_ws(s, i + 1)
        if i >= len(s):
            break
        nm = _NAME.match(s, i)
        if not nm:
            raise BibError(i, f"unexpected {s[i]!r} where a field name should be")
        name = nm.group(0).lower()
        i = _skip_ws(s, nm.end())
        if i >= len(s) or s[i] != "=":
            raise BibError(i, f"expected '=' after field name {nm.group(0)!r}")
        value, i = _value(s, i + 1, macros)
        fields.setdefault(name, value)
        i = _skip_ws(s, i)
        if i < len(s) and s[i] != ",":
            raise BibError(i, f"expected ',' after the value of {nm.group(0)!r}")
    return etype, key, fields


def _split_names(value: str, tex: bool = True) -> list[str]:
    """'Vaswani, Ashish and Noam Shazeer and others' -> ['Ashish Vaswani', 'Noam Shazeer']."""
    names, depth, cur = [], 0, []
    tokens = re.split(r"(\s+and\s+|[{}])", value)
    for t in tokens:
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", t or ""):
            names.append("".join(cur))
            cur = []
        else:
            cur.append(t)
    names.append("".join(cur))
    out = []
    for name in names:
        name = collapse(name)
        if not name or name.lower() == "others":
            continue
        parts = [p.strip() for p in _split_top(name, ",")]
        if len(parts) == 2:  # Last, First
            name = f"{parts[1]} {parts[0]}"
        elif len(parts) >= 3:  # Last, Jr, First
            name = f"{parts[2]} {parts[0]} {parts[1]}"
        out.append(collapse(detex(name, ties=True)) if tex else name)
    return out


def _split_top(s: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for c in s:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    return parts


def _date(fields: dict[str, str]) -> str | None:
    if fields.get("date", "").strip():
        return collapse(fields["date"])
    year = collapse(fields.get("year", "").strip("{} "))
    if not year:
        return None
    month = collapse(fields.get("month", "")).strip("{} ").lower()
    num = int(month) if month.isdigit() else _MONTH_NUM.get(month.rstrip("."))
    if num and re.fullmatch(r"\d{4}", year) and 1 <= num <= 12:
        return f"{year}-{num:02d}"
    return year


def read_bibtex(ctx: Ctx, fh) -> Iterator[Paper]:
    macros = dict(_MONTHS)
    for line, text, problem in _entries(ctx, fh):
        if problem:
            ctx.issue(problem[0], f"{problem[1]}; entry skipped")
            continue
        try:
            etype, key, fields = parse_entry(text, macros)
        except BibError as exc:
            at = line + text.count("\n", 0, exc.pos)
            ctx.issue(at, f"malformed BibTeX entry starting at line {line} ({exc}); skipped")
            continue
        if etype in ("comment", "preamble"):
            continue
        if etype == "string":
            macros.update({k: v for k, v in fields.items()})
            continue
        eprint = collapse(fields.get("eprint", ""))
        arxiv = strip_arxiv_version(eprint.removeprefix("arXiv:")) if eprint else ""
        if arxiv and not is_arxiv_id(arxiv) and fields.get("archiveprefix", "").lower() != "arxiv":
            arxiv = ""
        url = fields.get("url") or (f"https://doi.org/{collapse(fields['doi'])}" if fields.get("doi") else None)
        if not url and arxiv:
            url = f"https://arxiv.org/abs/{arxiv}"
        label = f"entry {key!r}" if key else "entry"
        title, abstract = fields.get("title", ""), fields.get("abstract", "")
        if ctx.tex:
            title, abstract = detex(title, ties=True), detex(abstract, ties=True)
        p = ctx.paper(line, id=arxiv or key, title=title, abstract=abstract, date=_date(fields),
                      url=url, authors=_split_names(fields.get("author", ""), ctx.tex), label=label,
                      tex=False)
        if p:
            yield p
