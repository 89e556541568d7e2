"""TeX-aware extraction: plain text for the extractor, offsets into the user's own text.

arXiv abstracts in JSONL and CSV keep their TeX (``\\textbf{LoRA}``, ``\\emph{Chain of
Thought}``, ``$\\pi_0$``, ``T\\"ULU 3``, ``\\cite{x}``).  Those readers leave the text as
written so that mention offsets point into it; the extractor instead runs on a clean copy
made here and maps every span back:

>>> clean, m = detex_with_map(r'We fine-tune \\textbf{LoRA} on T\\"ULU 3.')
>>> clean
'We fine-tune LoRA on TÜLU 3.'
>>> m.span(13, 17), m.span(21, 27)
((21, 25), (30, 38))

``detex_with_map`` drops formatting commands and grouping braces, composes accents,
unescapes specials, renders simple math (``$\\pi_0$`` -> ``π0``, ``$\\sim$`` -> ``~``,
``R$^{2}$`` -> ``R2``), removes ``\\cite``/``\\ref``/``\\label``, keeps ``\\url`` contents
verbatim, turns ``--`` into ``–``, ``~`` between words into a space and TeX quotes into
curly ones, and collapses the whitespace it leaves.  Broken TeX (an unclosed brace or
``$``, a lone backslash) never raises: what cannot be read as TeX is kept as text.

The map records, for each character of the clean text, the original span it came from
(``starts[i]``, ``ends[i]``), so a clean span ``[s, e)`` maps to ``[starts[s], ends[e-1])``:
for ``\\textbf{LoRA}`` the clean "LoRA" maps to the four letters inside the braces, a
composed ``Ü`` to its whole ``\\"U``, and a name that is all of one ``$...$`` to the span
with its dollars.

Text without a backslash, ``$``, ``{`` or ``~`` (nine abstracts in ten) takes a fast path:
no copy and no map (``None``: the identity).  So does text whose clean-up changes nothing.

This is a hand-written scanner rather than pylatexenc: it needs no dependency, runs in
one pass, treats an unclosed ``$`` as a dollar sign (not as math to the end of the
abstract) and yields the character map directly.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from ..model import Evidence, Mention, Paper, PaperExtraction

__all__ = ["TexMap", "detex_with_map", "has_tex", "Detexed", "detex_paper", "to_original"]


def has_tex(text: str) -> bool:
    """Could ``text`` hold TeX markup?  False means the fast path: nothing to clean."""
    return "\\" in text or "$" in text or "{" in text or "~" in text


class TexMap:
    """Clean-text offsets -> original-text offsets (see the module docstring)."""

    __slots__ = ("original", "clean", "starts", "ends")

    def __init__(self, original: str, clean: str, starts: list[int], ends: list[int]) -> None:
        self.original = original
        self.clean = clean
        self.starts = starts
        self.ends = ends

    def span(self, s: int, e: int) -> tuple[int, int]:
        """The original span of the clean span ``[s, e)``."""
        n = len(self.starts)
        if e <= s:  # empty: a point
            p = self.starts[s] if s < n else len(self.original)
            return p, p
        s = max(0, min(s, n - 1))
        e = max(s + 1, min(e, n))
        return self.starts[s], self.ends[e - 1]

    def __repr__(self) -> str:
        return f"TexMap({self.original!r} -> {self.clean!r})"


def span_of(m: TexMap | None, s: int, e: int) -> tuple[int, int]:
    """``m.span(s, e)``, with ``None`` as the identity map."""
    return (s, e) if m is None else m.span(s, e)


# ---- tables -----------------------------------------------------------------------------

_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
    # math accents
    "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
    "bar": "\u0304", "overline": "\u0305", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7",
    "acute": "\u0301", "grave": "\u0300", "breve": "\u0306", "check": "\u030c",
}
_ACCENT_SYMBOLS = frozenset("\"'`^~=.")
_ACCENT_WORDS = frozenset("uvHckrdb")  # \c{c}, \v s: need an argument
_MATH_ACCENTS = frozenset(("hat", "widehat", "tilde", "widetilde", "bar", "overline", "dot", "ddot",
                           "vec", "acute", "grave", "breve", "check"))

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SYMBOLS = {
    **_GREEK,
    "sim": "~", "approx": "≈", "simeq": "≃", "times": "×", "cdot": "·", "pm": "±", "mp": "∓",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "ll": "≪", "gg": "≫",
    "equiv": "≡", "propto": "∝", "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "Leftrightarrow": "⇔", "mapsto": "↦", "uparrow": "↑",
    "downarrow": "↓", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪",
    "cap": "∩", "forall": "∀", "exists": "∃", "emptyset": "∅", "varnothing": "∅",
    "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "circ": "∘", "star": "⋆", "ast": "∗",
    "dagger": "†", "ddagger": "‡", "prime": "′", "oplus": "⊕", "otimes": "⊗", "odot": "⊙",
    "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "neg": "¬", "lnot": "¬",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "mid": "|", "vert": "|", "Vert": "‖", "|": "‖", "setminus": "∖", "top": "⊤", "bot": "⊥",
    "checkmark": "✓", "cdots": "⋯", "ldots": "...", "dots": "...", "vdots": "⋮",
    "lbrace": "{", "rbrace": "}", "textbackslash": "\\", "backslash": "\\",
    "textasciitilde": "~", "textasciicircum": "^", "textunderscore": "_", "textbar": "|",
    "textless": "<", "textgreater": ">", "textendash": "–", "textemdash": "—",
    "textquoteleft": "‘", "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”",
    "textbullet": "•", "textdegree": "°", "degree": "°", "textregistered": "®",
    "texttrademark": "™", "copyright": "©", "textcopyright": "©", "S": "§", "P": "¶",
    "pounds": "£", "euro": "€", "textdollar": "$", "textpercent": "%",
    "LaTeX": "LaTeX", "TeX": "TeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX",
    # function names keep their names: $\log n$ -> "log n"
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "arg": "arg", "argmax": "argmax", "argmin": "argmin",
    "lim": "lim", "sup": "sup", "inf": "inf", "det": "det", "Pr": "Pr", "dim": "dim",
    "ker": "ker", "deg": "deg", "gcd": "gcd", "softmax": "softmax",
    # letters
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
    # spacing words
    "quad": " ", "qquad": " ", "space": " ", "enspace": " ", "thinspace": " ", "newline": " ",
    "par": " ", "linebreak": " ",
}
# dropped; their braced argument (if any) stays as text: \textbf{X} -> X
_DROP = frozenset("""
emph textit textbf texttt textsc textrm textsf textsl textup textmd textnormal text mbox hbox
underline uline sout
mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathnormal boldsymbol bm
operatorname mathop mathbin mathrel mathord textstyle displaystyle scriptstyle
em bf it sc tt rm sf sl bfseries itshape ttfamily scshape mdseries upshape normalfont slshape
tiny scriptsize footnotesize small normalsize large Large LARGE huge Huge
left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr middle limits nolimits
noindent indent centering relax protect xspace ensuremath phantom hphantom vphantom
unskip nobreak allowbreak hfill vfill smallskip medskip bigskip newpage clearpage
""".split())
# removed together with their arguments
_REMOVE = frozenset("""
cite citep citet citealp citealt citeauthor citeyear citenum nocite parencite textcite autocite
footcite ref eqref autoref cref Cref pageref nameref label vspace hspace vskip hskip
includegraphics footnotemark bibliography bibliographystyle
""".split())
_DEFINE = frozenset(("newcommand", "renewcommand", "providecommand", "def", "gdef", "edef",
                     "DeclareMathOperator", "DeclareRobustCommand"))
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-fA-F]{4}")
_COLOR = frozenset(("textcolor", "color"))  # \textcolor{red}{X}: the first argument goes
_VERBATIM = frozenset(("url", "nolinkurl", "path"))

# the next character the scanner must look at (text mode)
_SPECIAL = re.compile(r"[\\${}~\-`']")
_SPECIAL_MATH = re.compile(r"[\\${}~^_]")
_LETTERS = re.compile(r"[A-Za-z]+")
_WS = frozenset(" \t\n\r\f\v")


# ---- the scanner ------------------------------------------------------------------------

class _Buf:
    __slots__ = ("chars", "starts", "ends")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def copy(self, text: str, a: int, b: int) -> None:
        """Original characters text[a:b], one for one."""
        if b > a:
            self.chars.extend(text[a:b])
            self.starts.extend(range(a, b))
            self.ends.extend(range(a + 1, b + 1))

    def emit(self, s: str, a: int, b: int) -> None:
        """``s`` stands for the original text[a:b]."""
        for ch in s:
            self.chars.append(ch)
            self.starts.append(a)
            self.ends.append(b)

    def extend(self, other: "_Buf") -> None:
        self.chars.extend(other.chars)
        self.starts.extend(other.starts)
        self.ends.extend(other.ends)

    def rstrip(self) -> None:
        while self.chars and self.chars[-1] in _WS:
            self.chars.pop()
            self.starts.pop()
            self.ends.pop()


def _skip_ws(text: str, j: int, end: int) -> int:
    while j < end and text[j] in _WS:
        j += 1
    return j


def _close_brace(text: str, j: int, end: int) -> int:
    """``text[j] == '{'``: the index of its matching ``}``, or -1 if it is never closed."""
    depth = 0
    k = j
    while k < end:
        ch = text[k]
        if ch == "\\":
            k += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return k
        k += 1
    return -1


def _close_bracket(text: str, j: int, end: int) -> int:
    """``text[j] == '['``: the index of the ``]`` that closes it (not nested), or -1."""
    k = text.find("]", j + 1, min(end, j + 200))
    return k


def _close_math(text: str, j: int, end: int, delim: str) -> int:
    """The index of the unescaped ``delim`` that closes math opened before ``j``, or -1."""
    k = j
    while True:
        k = text.find(delim, k, end)
        if k < 0:
            return -1
        back = 0
        while k - back - 1 >= j and text[k - back - 1] == "\\":
            back += 1
        if back % 2 == 0:
            return k
        k += 1


def _arg(text: str, j: int, end: int, math: bool) -> tuple[int, int, int] | None:
    """The argument of an accent or script at ``j`` (spaces skipped):
    (content start, content end, end of the argument), or None if there is none."""
    j = _skip_ws(text, j, end)
    if j >= end:
        return None
    ch = text[j]
    if ch == "{":
        k = _close_brace(text, j, end)
        if k < 0:
            return None
        return j + 1, k, k + 1
    if ch == "\\":
        m = _LETTERS.match(text, j + 1, end)
        if m:
            return j, m.end(), m.end()
        return (j, j + 2, j + 2) if j + 1 < end else None
    if ch in "}$" or ch in _WS:
        return None
    return j, j + 1, j + 1


def _render(text: str, a: int, b: int, math: bool, out: _Buf, depth: int = 0) -> None:
    """Render text[a:b] (text mode or math mode) into ``out``."""
    special = _SPECIAL_MATH if math else _SPECIAL
    i = a
    while i < b:
        m = special.search(text, i, b)
        if m is None:
            out.copy(text, i, b)
            return
        j = m.start()
        out.copy(text, i, j)
        ch = text[j]
        if ch == "\\":
            i = _command(text, j, b, math, out, depth)
        elif ch == "{" or ch == "}":
            i = j + 1  # grouping braces go (an unbalanced one too)
        elif ch == "$":
            i = _math(text, j, b, out, depth) if not math else j + 1
        elif ch == "~":
            if math or (j > a and text[j - 1] not in _WS and j + 1 < b and text[j + 1] not in _WS):
                out.emit(" ", j, j + 1)  # a tie
            else:
                out.copy(text, j, j + 1)  # "~10%": a plain tilde
            i = j + 1
        elif ch == "-":
            if text.startswith("---", j) and j + 3 <= b:
                out.emit("—", j, j + 3)
                i = j + 3
            elif text.startswith("--", j) and j + 2 <= b:
                out.emit("–", j, j + 2)
                i = j + 2
            else:
                out.copy(text, j, j + 1)
                i = j + 1
        elif ch == "`" or ch == "'":
            if j + 1 < b and text[j + 1] == ch:
                out.emit("“" if ch == "`" else "”", j, j + 2)
                i = j + 2
            else:
                out.copy(text, j, j + 1)
                i = j + 1
        else:  # ^ or _ in math
            i = _script(text, j, b, out, depth, superscript=ch == "^")


def _script(text: str, j: int, b: int, out: _Buf, depth: int, superscript: bool) -> int:
    """``^x``, ``^{2}``, ``_0``: the content as plain text, so a name reads as others spell
    it (``SSA$^3$D`` -> SSA3D, ``$\\pi_0$`` -> π0); a power of a number keeps its caret
    (``$10^{-3}$`` -> 10^-3).  (Unicode superscripts would be truer to the page, but the
    tokenizer does not split "SSA³D." at its period.)"""
    arg = _arg(text, j + 1, b, True)
    if arg is None:
        return j + 1
    s, e, nxt = arg
    tmp = _Buf()
    _render(text, s, e, True, tmp, depth + 1)
    if superscript and tmp.chars and out.chars and out.chars[-1].isdigit():
        out.emit("^", j, s)  # a power: "10^-3", not "10-3"
    out.extend(tmp)
    return nxt


def _math(text: str, j: int, b: int, out: _Buf, depth: int) -> int:
    """``$...$`` or ``$$...$$`` at ``j``; an unclosed ``$`` is a dollar sign."""
    delim = "$$" if text.startswith("$$", j) else "$"
    k = _close_math(text, j + len(delim), b, delim)
    if k >= 0 and delim == "$" and _not_math(text, j + 1, k, b):
        k = -1
    if k < 0:
        if delim == "$$":  # "$$" unclosed: maybe "$$x$"
            delim = "$"
            k = _close_math(text, j + 1, b, "$")
        if k < 0:
            out.copy(text, j, j + 1)
            return j + 1
    _math_span(text, j, j + len(delim), k, k + len(delim), out, depth)
    return k + len(delim)


_PROSE_DOLLARS = re.compile(r"\d[\d.,]*[kKmMbB]?\s")


def _not_math(text: str, a: int, k: int, b: int) -> bool:
    """"costs $5 and $10": dollars, not math.  Words between the dollars, no math markup,
    and a digit right after the closing one or money right after the opening one."""
    inner = text[a:k]
    if any(c in inner for c in "\\^_{") or not any(c in _WS for c in inner):
        return False
    return k + 1 < b and text[k + 1].isdigit() or bool(_PROSE_DOLLARS.match(inner))


def _math_span(text: str, open_at: int, a: int, b: int, close_end: int, out: _Buf, depth: int) -> None:
    """Render math text[a:b] whose delimiters span [open_at, a) and [b, close_end)."""
    k0 = len(out.chars)
    _render(text, a, b, True, out, depth + 1)
    # a name that is all of the math maps back with its delimiters: "$\pi_0$"
    idx = [n for n in range(k0, len(out.chars)) if out.chars[n] not in _WS]
    if idx:
        out.starts[idx[0]] = open_at
        out.ends[idx[-1]] = close_end


def _command(text: str, j: int, b: int, math: bool, out: _Buf, depth: int) -> int:
    """A backslash at ``j``: render the command, return where scanning goes on."""
    if j + 1 >= b:
        return b  # a lone backslash at the end goes
    c = text[j + 1]
    if not ("a" <= c <= "z" or "A" <= c <= "Z"):
        if c in "%&_#${}":
            out.emit(c, j, j + 2)
            return j + 2
        if c in _ACCENT_SYMBOLS and not math:
            return _accent(text, j, j + 2, c, b, out, depth)
        if c == "\\" or c == " " or c in _WS:
            out.emit(" ", j, j + 2)
            return j + 2
        if c in ",;:>":
            if not math:
                out.emit(" ", j, j + 2)
            return j + 2
        if c == "-":  # a discretionary hyphen; in abstracts "Pseudo\-Riemannian" means a hyphen
            out.emit("-", j, j + 2)
            return j + 2
        if c in "!/@":
            return j + 2
        if c == "(" or c == "[":
            close = "\\)" if c == "(" else "\\]"
            k = _close_math(text, j + 2, b, close)
            if k >= 0 and not math:
                _math_span(text, j, j + 2, k, k + 2, out, depth)
                return k + 2
            return j + 2
        if c in ")]":
            return j + 2
        if c == "|" and math:
            out.emit("‖", j, j + 2)
            return j + 2
        out.emit(c, j, j + 2)  # \* -> *
        return j + 2
    if c == "u" and _UNICODE_ESCAPE.match(text, j, b):  # "Bird\u2019s": a JSON escape left in
        code = int(text[j + 2:j + 6], 16)
        if 0xD800 <= code < 0xDC00 and _UNICODE_ESCAPE.match(text, j + 6, b) and \
                0xDC00 <= int(text[j + 8:j + 12], 16) < 0xE000:
            # a surrogate pair, "\ud83d\ude00": one character
            low = int(text[j + 8:j + 12], 16)
            out.emit(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), j, j + 12)
            return j + 12
        if 0xD800 <= code < 0xE000:
            out.emit(" ", j, j + 6)  # a lone surrogate is no text: it must not reach spaCy
            return j + 6
        out.emit(chr(code), j, j + 6)
        return j + 6
    m = _LETTERS.match(text, j + 1, b)
    name = m.group(0)
    e = m.end()
    if name in _DEFINE:
        return _definition(text, j, e, b)
    if name in _ACCENT_WORDS or (math and name in _MATH_ACCENTS):
        arg = _arg(text, e, b, math)
        if arg is not None and (name not in _ACCENT_WORDS or text[_skip_ws(text, e, b)] == "{"
                                or e < b and text[e] in _WS):
            return _accent(text, j, e, name, b, out, depth)
    if name in _SYMBOLS:
        sym = _SYMBOLS[name]
        nxt = e
        if text.startswith("{}", nxt):  # \ss{}, \LaTeX{}
            nxt += 2
        out.emit(sym, j, e)
        if math:
            k = _skip_ws(text, nxt, b)
            # "$\log n$" -> "log n", "$\alpha x$" -> "αx"
            if not (k > nxt and sym[-1].isascii() and sym[-1].isalpha() and k < b and text[k].isalnum()):
                nxt = k
        return nxt
    if name in _REMOVE:
        return _remove(text, j, e, b, out)
    if name in _VERBATIM:
        k0 = _skip_ws(text, e, b)
        if k0 < b and text[k0] == "{":
            k = _close_brace(text, k0, b)
            if k >= 0:
                out.copy(text, k0 + 1, k)
                return k + 1
        return e
    if name == "href" or name in _COLOR:
        # \href{url}{text}, \textcolor{red}{text}: the first argument goes
        k0 = _skip_ws(text, e, b)
        if k0 < b and text[k0] == "{":
            k = _close_brace(text, k0, b)
            if k >= 0:
                return k + 1
        return e
    if name == "footnote" or name == "thanks":  # "online\footnote{URL}": a space, then the text
        out.emit(" ", j, e)
        return _skip_ws(text, e, b)
    if name in ("textsuperscript", "textsubscript"):
        return _script(text, e - 1, b, out, depth, superscript=name == "textsuperscript")
    if name == "frac" or name == "tfrac" or name == "dfrac":
        num = _arg(text, e, b, True)
        den = _arg(text, num[2], b, True) if num else None
        if num and den:
            _render(text, num[0], num[1], True, out, depth + 1)
            out.emit("/", num[2], den[0])
            _render(text, den[0], den[1], True, out, depth + 1)
            return den[2]
        return e
    # formatting and unknown commands go; a following group stays as text.  The spaces
    # after a command word are TeX's, not the text's: "{\em X}" -> "X"
    nxt = e
    if name in _DROP:
        nxt = _skip_ws(text, e, b)
        if nxt < b and text[nxt] == "*":
            nxt += 1
    elif math:
        # an unknown math command is a symbol we cannot render: a space, so that
        # "$O\pth{n}$" does not read as the name "On"
        out.emit(" ", j, e)
        nxt = _skip_ws(text, e, b)
    return nxt


def _definition(text: str, j: int, e: int, b: int) -> int:
    """``\\newcommand{\\Re}[1]{\\mathbb{R}}``, ``\\def\\x{y}``: a macro definition goes whole.
    Without a closed body only the command word goes."""
    k = _skip_ws(text, e, b)
    if k < b and text[k] == "*":
        k = _skip_ws(text, k + 1, b)
    if k < b and text[k] == "{":  # {\name}
        c = _close_brace(text, k, b)
        if c < 0:
            return e
        k = c + 1
    elif k < b and text[k] == "\\":  # \name
        m = _LETTERS.match(text, k + 1, b)
        k = m.end() if m else k + 2
    else:
        return e
    while True:  # [n] [default], or #1#2 after \def
        k = _skip_ws(text, k, b)
        if k < b and text[k] == "[":
            c = _close_bracket(text, k, b)
            if c < 0:
                return e
            k = c + 1
        elif k + 1 < b and text[k] == "#" and text[k + 1].isdigit():
            k += 2
        else:
            break
    if k < b and text[k] == "{":
        c = _close_brace(text, k, b)
        if c >= 0:
            return c + 1
    return e


def _accent(text: str, j: int, e: int, which: str, b: int, out: _Buf, depth: int) -> int:
    """An accent command text[j:e] (``\\"``, ``\\c``, ``\\hat``) on the argument after ``e``."""
    arg = _arg(text, e, b, False)
    if arg is None:
        return e  # "\'{}" or at the end: the accent goes
    s, ce, nxt = arg
    tmp = _Buf()
    _render(text, s, ce, False, tmp, depth + 1)
    base = "".join(tmp.chars).strip()
    if base in ("ı", "ȷ"):  # \"\i
        base = "i" if base == "ı" else "j"
    if len(base) == 1:
        composed = unicodedata.normalize("NFC", base + _COMBINING[which])
        out.emit(composed, j, nxt)
    else:
        out.extend(tmp)
    return nxt


def _remove(text: str, j: int, e: int, b: int, out: _Buf) -> int:
    """``\\cite[p. 3]{key}``, ``\\ref{x}``: the command and its arguments go, with the space
    or tie before it ("LoRA~\\cite{hu}." -> "LoRA.").  Without a closed ``{...}`` argument
    only the command word goes."""
    k = e
    if k < b and text[k] == "*":
        k += 1
    for _ in range(2):
        k2 = _skip_ws(text, k, b)
        if k2 < b and text[k2] == "[":
            c = _close_bracket(text, k2, b)
            if c < 0:
                break
            k = c + 1
        else:
            break
    k2 = _skip_ws(text, k, b)
    if k2 < b and text[k2] == "{":
        c = _close_brace(text, k2, b)
        if c >= 0:
            out.rstrip()  # the space or tie before it
            nxt = c + 1
            # "LoRA (\cite{hu})" -> "LoRA": brackets left empty go too
            if out.chars and out.chars[-1] in "([" and nxt < b and text[nxt] == ")]"["([".index(out.chars[-1])]:
                out.chars.pop(), out.starts.pop(), out.ends.pop()
                out.rstrip()
                nxt += 1
            # keep one space between words: "as in \cite{x} we" -> "as in we"
            if nxt < b and text[nxt] in _WS and out.chars:
                out.emit(" ", nxt, nxt + 1)
                nxt = _skip_ws(text, nxt, b)
            return nxt
    return e


_WS_RUN = re.compile("[ \t\n\r\f\v\u00a0]+")


def _collapse(buf: _Buf) -> tuple[str, list[int], list[int]]:
    """Whitespace runs -> one space (mapped to the run's first character), ends stripped.
    Works on slices between the runs: a loop per character was most of detexing's time."""
    text = "".join(buf.chars)  # one character per entry, so indices agree with buf's lists
    starts, ends = buf.starts, buf.ends
    pieces: list[str] = []
    os_: list[int] = []
    oe: list[int] = []
    at = 0
    for m in _WS_RUN.finditer(text):
        a, b = m.span()
        if a > at:
            pieces.append(text[at:a])
            os_ += starts[at:a]
            oe += ends[at:a]
        if a > 0 and b < len(text):  # leading and trailing runs go
            pieces.append(" ")
            os_.append(starts[a])
            oe.append(ends[a])
        at = b
    if at < len(text):
        pieces.append(text[at:])
        os_ += starts[at:]
        oe += ends[at:]
    return "".join(pieces), os_, oe


def detex_with_map(text: str) -> tuple[str, TexMap | None]:
    """(clean text, map back to ``text``); the map is ``None`` when nothing changed."""
    if not has_tex(text):
        return text, None
    buf = _Buf()
    try:
        _render(text, 0, len(text), False, buf)
    except RecursionError:  # thousands of nested accents: keep the text as written
        return text, None
    clean, starts, ends = _collapse(buf)
    if clean == text:
        return text, None
    return clean, TexMap(text, clean, starts, ends)


# ---- papers and extractions ---------------------------------------------------------------

@dataclass(frozen=True)
class Detexed:
    """A paper with clean title and abstract, and the maps back to the original fields."""

    paper: Paper
    title: TexMap | None = None
    abstract: TexMap | None = None

    @property
    def identity(self) -> bool:
        return self.title is None and self.abstract is None

    def map(self, field_name: str) -> TexMap | None:
        return self.title if field_name == "title" else self.abstract


def detex_paper(paper: Paper) -> Detexed:
    """The paper the extractor reads: TeX-free title and abstract (the same object when
    neither has TeX)."""
    title, tm = detex_with_map(paper.title)
    abstract, am = detex_with_map(paper.abstract)
    if tm is None and am is None:
        return Detexed(paper)
    return Detexed(replace(paper, title=title, abstract=abstract), tm, am)


def to_original(ex: PaperExtraction, original: Paper, clean: Detexed) -> PaperExtraction:
    """``ex``, extracted from ``clean.paper``, with its mention and evidence offsets (and
    texts) in ``original``'s own title and abstract.  Names, aliases, relation heads and
    tails and result values stay in clean text."""
    if clean.identity:
        if ex.paper is not original:
            ex.paper = original
        return ex

    def remap(span: "Mention | Evidence") -> "Mention | Evidence":
        """A span of the clean text as the same span of the original text."""
        tm = clean.map(span.field)
        if tm is None:
            return span
        s, e = tm.span(span.start, span.end)
        return replace(span, start=s, end=e, text=original.text(span.field)[s:e])

    mention = evidence = remap

    for ent in ex.entities:
        ent.mentions = [mention(m) for m in ent.mentions]
    for r in ex.relations:
        r.evidence = evidence(r.evidence)
    for r in ex.results:
        r.evidence = evidence(r.evidence)
    ex.paper = original
    return ex
