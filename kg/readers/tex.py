"""Light TeX clean-up for text that comes from arXiv or BibTeX.

Only markup that is never part of the meaning goes: text-formatting commands
(``\\emph{x}``, ``\\textbf{x}``, ``{\\em x}`` -> ``x``), accents (``{\\"o}`` -> ``ö``),
escaped specials (``\\%`` -> ``%``) and grouping braces.  Math between ``$...$`` is left
exactly as written, and so is every other command (``\\cite{x}`` stays), ``--`` and ``~``.
The result is still whitespace-collapsed by the caller.
"""
from __future__ import annotations

import re
import unicodedata

# $$...$$ or $...$, not escaped \$
_MATH = re.compile(r"(?<!\\)\$\$.*?(?<!\\)\$\$|(?<!\\)\$.*?(?<!\\)\$", re.S)

_FORMAT_CMDS = (
    "emph|textit|textbf|texttt|textsc|textrm|textsf|textsl|textup|textmd|textnormal|"
    "text|mbox|underline|uline|url|nolinkurl"
)
_FORMAT = re.compile(r"\\(?:" + _FORMAT_CMDS + r")\s*(?=\{)")
_HREF = re.compile(r"\\href\s*\{[^{}]*\}\s*(?=\{)")
_SWITCH = re.compile(r"(?<=\{)\s*\\(?:em|bf|it|sc|tt|rm|sf|sl|bfseries|itshape|ttfamily|scshape)\b\s*")

_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a",
}
_ACCENT_SYM = re.compile(r"""\\(["'`^~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))""")
_ACCENT_LET = re.compile(r"\\([uvHckr])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))")
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
            "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])(?:\{\}|\s*)")
_ESCAPE = re.compile(r"\\([%&_#$])")
_BACKSLASH_SPACE = re.compile(r"\\(?:\\|\s)")
_CMD_BEFORE = re.compile(r"\\[A-Za-z]+\s*$")
_BRACE = re.compile(r"(?<!\\)[{}]")
_ESC_BRACE = re.compile(r"\\([{}])")


def _accent(m: re.Match) -> str:
    base = m.group(2) or m.group(3)
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + _COMBINING[m.group(1)])


def _drop_braces(s: str) -> str:
    """Drop grouping braces; keep the argument braces of commands left in place (``\\cite{x}``)."""
    if "{" not in s and "}" not in s:
        return s
    out: list[str] = []
    stack: list[bool] = []  # for each open brace: kept?
    pos = 0
    kept_close_end = -1  # end of the last kept "}" (a command's next argument may follow)
    for m in _BRACE.finditer(s):
        i = m.start()
        out.append(s[pos:i])
        pos = i + 1
        if s[i] == "{":
            kept = kept_close_end == i or bool(_CMD_BEFORE.search(s, max(0, i - 40), i))
            stack.append(kept)
        else:
            kept = stack.pop() if stack else False
            if kept:
                kept_close_end = i + 1
        if kept:
            out.append(s[i])
    out.append(s[pos:])
    return "".join(out)


def _clean_text_part(s: str) -> str:
    if "\\" in s:
        s = _HREF.sub("", s)
        s = _FORMAT.sub("", s)
        s = _SWITCH.sub("", s)
        s = _ACCENT_SYM.sub(_accent, s)
        s = _ACCENT_LET.sub(_accent, s)
        s = _LETTER.sub(lambda m: _LETTERS[m.group(1)], s)
        s = _BACKSLASH_SPACE.sub(" ", s)
    s = _drop_braces(s)
    if "\\" in s:
        s = _ESC_BRACE.sub(r"\1", s)
        s = _ESCAPE.sub(r"\1", s)
    return s


def detex(text: str, *, ties: bool = False) -> str:
    """Remove TeX-only markup outside math; ``ties=True`` also turns ``a~b`` into ``a b``."""
    out = []
    pos = 0
    for m in _MATH.finditer(text):
        out.append(_clean_text_part(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_clean_text_part(text[pos:]))
    s = "".join(out)
    if ties:
        s = re.sub(r"(?<=\S)~(?=\S)", " ", s)
    return s
