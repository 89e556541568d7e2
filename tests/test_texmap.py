"""TeX-aware extraction: clean text for the extractor, offsets into the user's own text."""
from __future__ import annotations

import random

import pytest

from kg.extract.texmap import detex_paper, detex_with_map, has_tex
from kg.model import Paper


def run(extractor, abstract, title="A study of things"):
    return extractor.extract(Paper("t", title, abstract))


def by_name(ex):
    return {e.name: e for e in ex.entities}


def assert_offsets_into_original(ex):
    """Every mention and evidence span is a slice of the paper's own (TeX) text."""
    p = ex.paper
    for e in ex.entities:
        for m in e.mentions:
            assert p.text(m.field)[m.start:m.end] == m.text, (e.name, m)
    for r in list(ex.relations) + list(ex.results):
        ev = r.evidence
        assert p.text(ev.field)[ev.start:ev.end] == ev.text, ev


# ---- the clean text ---------------------------------------------------------------------

@pytest.mark.parametrize("tex, clean", [
    (r"We fine-tune \textbf{LoRA} adapters.", "We fine-tune LoRA adapters."),
    (r"\emph{Chain of Thought} helps.", "Chain of Thought helps."),
    (r"{\em Tree of Thoughts} and {\bf Self-Refine}.", "Tree of Thoughts and Self-Refine."),
    (r"We release T\"ULU 3 and T\"{U}LU 2.", "We release TÜLU 3 and TÜLU 2."),
    (r"M{\"o}bius, \c{c}a, \'{e}t\'e, na\"{\i}ve, \ss", "Möbius, ça, été, naïve, ß"),
    (r"The policy $\pi_0$ and $\alpha$-entmax.", "The policy π0 and α-entmax."),
    (r"It is $\sim$10x faster, $>$90\% of R$^{2}$ and 2$\times$.", "It is ~10x faster, >90% of R2 and 2×."),
    (r"SSA$^3$D and D$^{2}$GSLAM and \textsuperscript{2}", "SSA3D and D2GSLAM and 2"),
    (r"code online\footnote{https://github.com/x/y}.", "code online https://github.com/x/y."),
    (r"Pseudo\-Riemannian", "Pseudo-Riemannian"),
    (r"$\renewcommand{\Re}{\mathbb{R}}$We present \def\x#1{y}X", "We present X"),
    (r"a shared Bird\u2019s Eye View", "a shared Bird’s Eye View"),  # a JSON escape left in
    (r"a separator of size $O\pth{n^{1-1/d}}$", "a separator of size O n1-1/d"),
    (r"Use \texttt{HumanEval}~\cite{chen2021codex}.", "Use HumanEval."),
    (r"As in \citep[p.~3]{a,b} we do (\cite{c}).", "As in we do."),
    (r"See \ref{fig:1} and \url{https://x.org/a_b~c}.", "See and https://x.org/a_b~c."),
    (r"\emph{pages} 3--5 --- a ``quote''", "pages 3–5 — a “quote”"),  # (plain "--" alone: fast path)
    (r"A~B and ~10\% and 50\$ and \& \#1 \_x", "A B and ~10% and 50$ and & #1 _x"),
    (r"$O(n \log n)$ and $\mathcal{D}_{\text{train}}$ and $10^{-3}$", "O(n log n) and Dtrain and 10^-3"),
    (r"\href{https://x.org}{our site} and \textcolor{red}{red}", "our site and red"),
])
def test_clean_text(tex, clean):
    assert detex_with_map(tex)[0] == clean


def test_text_without_tex_takes_the_fast_path():
    for s in ["We fine-tune GPT-4 on MMLU.", "", "pages 3--5 and ``quoted'' text", "a } b", "50% and $"]:
        if not has_tex(s):
            out, m = detex_with_map(s)
            assert out is s and m is None
    # TeX-looking characters that change nothing: no map either
    out, m = detex_with_map("about ~10% more")
    assert out == "about ~10% more" and m is None
    p = Paper("p", "T", "No TeX here.")
    assert detex_paper(p).paper is p and detex_paper(p).identity


def test_money_dollars_are_not_math():
    assert detex_with_map("costs $5 and $10 per run")[0] == "costs $5 and $10 per run"


# ---- the map ----------------------------------------------------------------------------

def test_map_points_at_the_name_inside_the_braces():
    tex = r"We fine-tune \textbf{LoRA} on \emph{Chain of Thought} data."
    clean, m = detex_with_map(tex)
    s = clean.index("LoRA")
    a, b = m.span(s, s + 4)
    assert tex[a:b] == "LoRA" and a == tex.index("LoRA")
    s = clean.index("Chain of Thought")
    a, b = m.span(s, s + len("Chain of Thought"))
    assert tex[a:b] == "Chain of Thought"


def test_map_covers_accents_and_math_names_whole():
    tex = r"T\"ULU 3 beats $\pi_0$ and {\'E}cole."
    clean, m = detex_with_map(tex)
    assert clean == "TÜLU 3 beats π0 and École."
    for name, orig in [("TÜLU 3", r"T\"ULU 3"), ("π0", r"$\pi_0$"), ("École", r"\'E}cole")]:
        s = clean.index(name)
        a, b = m.span(s, s + len(name))
        assert tex[a:b] == orig
    # a character inside a composed name maps to its own source
    s = clean.index("Ü")
    assert tex[slice(*m.span(s, s + 1))] == '\\"U'


def test_map_is_monotonic_and_every_character_comes_from_its_source():
    tex = (r"{\em X-Net}: \textbf{Fast} T\"ULU~\cite{k} with $\alpha_{1}$, $\sim$3\% --- "
           r"see \url{a.b/c} and \emph{Y}.")
    clean, m = detex_with_map(tex)
    assert len(m.starts) == len(m.ends) == len(clean)
    for i, ch in enumerate(clean):
        a, b = m.starts[i], m.ends[i]
        assert 0 <= a < b <= len(tex)
        if i:
            assert m.starts[i - 1] <= a and m.ends[i - 1] <= b
        if ch.isascii() and ch.isalnum():
            assert ch in tex[a:b]


@pytest.mark.parametrize("broken", [
    r"unbalanced {brace and \textbf{LoRA", "stray } close } braces",
    "lone backslash \\", "lone \\ in the middle", r"open $ dollar and \emph{X}",
    r"$\pi_0", r"\cite{never closed", r"\"", r"\'{}", "$$", "$$x$", r"\url{open",
    r"^{2} _x ^", r"\frac{1}", "{" * 50 + "x" + "}" * 10, "\\" * 7, r"\href{a}", r"\c",
    "\\\"" * 300 + "x", "{\\" * 2000,
])
def test_broken_tex_never_raises(broken):
    clean, m = detex_with_map(broken)
    assert isinstance(clean, str)
    if m is not None:
        assert len(m.starts) == len(clean)
        for i in range(len(clean)):
            a, b = m.span(i, i + 1)
            assert 0 <= a <= b <= len(broken)


def test_random_tex_noise_never_raises():
    rng = random.Random(7)
    alphabet = list("ab $\\{}~^_-'`\"") + [r"\emph", r"\cite", r"\pi", r"\"", r"\url", r"\frac", "$$"]
    for _ in range(500):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        clean, m = detex_with_map(s)
        if m is not None:
            assert len(m.starts) == len(clean)
            for i in range(len(clean)):
                a, b = m.span(i, i + 1)
                assert 0 <= a <= b <= len(s)


def test_unclosed_math_keeps_the_rest_of_the_text():
    clean, _ = detex_with_map(r"We cost $ 5 and propose \textbf{LoRA} here.")
    assert "LoRA here." in clean


# ---- extraction -------------------------------------------------------------------------

def test_textbf_name_is_extracted_with_offsets_into_the_original(extractor):
    abstract = r"We fine-tune \textbf{LoRA} adapters on MMLU and evaluate on GSM8K."
    ex = run(extractor, abstract)
    ents = by_name(ex)
    assert "LoRA" in ents and not any("\\" in n or "{" in n for n in ents)
    m = ents["LoRA"].mentions[0]
    assert m.field == "abstract" and abstract[m.start:m.end] == "LoRA" == m.text
    assert m.start == abstract.index("LoRA")
    assert ex.paper.abstract == abstract  # the paper keeps the user's text
    assert_offsets_into_original(ex)


def test_emph_multiword_name(extractor):
    abstract = (r"We propose \emph{Chain of Thought} prompting, a method that improves reasoning of "
                r"GPT-3 on GSM8K. \emph{Chain of Thought} needs no training.")
    ex = run(extractor, abstract)
    ents = by_name(ex)
    assert "Chain of Thought" in ents or "Chain of Thought prompting" in ents
    assert not any("\\" in n or "{" in n or "}" in n for e in ex.entities for n in [e.name, *e.aliases])
    assert_offsets_into_original(ex)


def test_accented_name_joins_title_and_abstract(extractor):
    title = "TÜLU 3: Pushing Frontiers in Open Post-Training"
    abstract = (r"We introduce T\"ULU 3, a family of open post-trained models. "
                r"T\"ULU 3 outperforms Llama 3.1 on GSM8K.")
    ex = run(extractor, abstract, title)
    ents = by_name(ex)
    assert "TÜLU 3" in ents
    texts = {(m.field, m.text) for m in ents["TÜLU 3"].mentions}
    assert ("title", "TÜLU 3") in texts and ("abstract", r'T\"ULU 3') in texts
    assert_offsets_into_original(ex)


def test_math_name(extractor):
    abstract = (r"We present $\pi_0$, a vision-language-action model. "
                r"$\pi_0$ outperforms OpenVLA on LIBERO.")
    ex = run(extractor, abstract, "A robot study")
    ents = by_name(ex)
    assert "π0" in ents
    assert {m.text for m in ents["π0"].mentions} == {r"$\pi_0$"}
    assert_offsets_into_original(ex)


def test_tex_in_the_title(extractor):
    title = r"\textsc{Merlin}: Empowering Multimodal LLMs"
    abstract = "Merlin is a model that we train on MSR-VTT."
    ex = run(extractor, abstract, title)
    ents = by_name(ex)
    assert "Merlin" in ents
    assert any(m.field == "title" and m.text == "Merlin" for m in ents["Merlin"].mentions)
    assert_offsets_into_original(ex)


def test_relation_and_result_evidence_map_back(extractor):
    abstract = (r"Our model \textbf{FooNet} achieves 74.4\% pass@1 on \texttt{HumanEval}~\cite{chen21}. "
                r"\emph{FooNet} is trained on The Stack.")
    ex = run(extractor, abstract, "FooNet: A Code Model")
    assert_offsets_into_original(ex)
    for r in list(ex.relations) + list(ex.results):
        assert r.evidence.text  # a real sentence of the original
    names = {e.name for e in ex.entities}
    assert "HumanEval" in names


def test_output_without_tex_is_unchanged(extractor):
    """No TeX: the same extraction as running on the text directly (no detour)."""
    p = Paper("p", "LoRA: Low-Rank Adaptation", "We fine-tune GPT-4 with LoRA on MMLU; it beats Llama 2.")
    a = extractor.extract(p)
    b = extractor._extract_doc(p, extractor.nlp(extractor._text(p)))
    assert a.to_json() == b.to_json()
    assert a.paper is p


def test_pipe_and_extract_agree(extractor):
    papers = [Paper("a", "T", r"We use \textbf{LoRA} on MMLU."),
              Paper("b", "T", "We use LoRA on MMLU."),
              Paper("c", r"\emph{X}", r"broken {TeX $ here \cite{")]
    piped = [e.to_json() for e in extractor.pipe(papers, batch_size=2)]
    assert piped == [extractor.extract(p).to_json() for p in papers]
    assert piped[0]["abstract"] == papers[0].abstract
    for ex in extractor.pipe(papers):
        assert_offsets_into_original(ex)


def test_json_escapes_of_surrogates_never_give_lone_surrogates():
    from kg.extract.texmap import detex_with_map
    clean, _ = detex_with_map(r"A \ud800 lone one and a pair \ud83d\ude00 here, Bird\u2019s.")
    clean.encode("utf-8")  # raises on a lone surrogate
    assert "\U0001F600" in clean and "\u2019" in clean
