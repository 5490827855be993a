"""The training texts the default encoders are built from: project-written text only (the default taxonomy, the
complaint seeds, the bundled demo corpus), never any evaluation set. The recipes take what these return."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from miner.touchpoints.taxonomy import Taxonomy
from miner.train.names import Training

# The demo corpus beside the package in a checkout (an installed package has none).
CORPUS = Path(__file__).resolve().parents[2] / "corpora"
# Its texts as the recipes read them, frozen into the package (`make freeze-training-texts` writes them again): a
# checkout and an installed package build the same models, and a change to how files are read (an ingest fix that
# reads a survey's "n/a" as no answer) renames no model. Read from the corpus at each build, two such texts fewer
# moved held-out figures by 2-6 points (docs/lab/headspread.md).
FROZEN = Path(str(resources.files("miner.train").joinpath("data/demo_texts.json")))
# Folders of corpora/ that are evaluation sets: corpora/probe is scored by the transfer protocol, so no recipe reads it.
EVAL_CORPORA = frozenset({"probe"})


def touchpoint_training_set(taxonomy: Taxonomy, non_complaints: Sequence[str]) -> Training:
    """(texts, labels): each top-level touchpoint's own and its children's texts under one label, then the
    taxonomy's none_examples, then the non-complaint seeds, each under a label of its own."""
    texts: list[str] = []
    labels: list[int] = []
    for j, top in enumerate(taxonomy.touchpoints):
        for tp in top.walk():
            for text in [tp.description, *tp.examples]:
                texts.append(text)
                labels.append(j)
    k = len(taxonomy.touchpoints)
    texts += taxonomy.none_examples
    labels += [k] * len(taxonomy.none_examples)
    texts += non_complaints
    labels += [k + 1] * len(non_complaints)
    return texts, labels


def complaint_training_set(complaints: Sequence[str], non_complaints: Sequence[str]) -> Training:
    """(texts, labels): the complaint seeds (1) and the non-complaint seeds (0)."""
    return [*complaints, *non_complaints], [1] * len(complaints) + [0] * len(non_complaints)


def joint_training_set(
    touchpoints: Training, complaints: Sequence[str], non_complaints: Sequence[str], repeats: int = 3
) -> Training:
    """The joint recipe's (texts, labels): `touchpoints` (labels >= 0), then the complaint seeds `repeats` times
    over, labelled COMPLAINT or NOT_COMPLAINT (miner/train/recipes.py)."""
    from miner.train.recipes import COMPLAINT, NOT_COMPLAINT

    texts, labels = complaint_training_set(complaints, non_complaints)
    seeds = [COMPLAINT if y else NOT_COMPLAINT for y in labels]
    return [*touchpoints[0], *texts * repeats], [*touchpoints[1], *seeds * repeats]


def projection_texts(taxonomy: Taxonomy, seeds: Sequence[str], documents: Sequence[str] = ()) -> list[str]:
    """Sentences to fit the fast tier's projection on: the taxonomy's names, descriptions and examples, the
    seeds, and the clauses of `documents`; each once."""
    texts: list[str] = []
    for top in taxonomy.touchpoints:
        for tp in top.walk():
            texts += [tp.name, tp.description, *tp.examples]
    texts += seeds
    if documents:
        from miner.segment.rules import RuleSegmenter

        texts += [s.text for segs in RuleSegmenter().segment(list(documents)) for s in segs]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def default_touchpoint_training() -> Training:
    """The default encoder's training set, read from the packaged taxonomy and seeds."""
    from miner.complaints.detector import load_seeds
    from miner.touchpoints import load_taxonomy

    return touchpoint_training_set(load_taxonomy(), load_seeds()[1])


def default_complaint_training() -> Training:
    """The complaint encoder's training set, read from the packaged seeds."""
    from miner.complaints.detector import load_seeds

    return complaint_training_set(*load_seeds())


def default_joint_training() -> Training:
    """The one-pass encoder's training set: the default encoder's, then the packaged complaint seeds."""
    from miner.complaints.detector import load_seeds
    from miner.train.recipes import JOINT_RECIPE

    return joint_training_set(default_touchpoint_training(), *load_seeds(), JOINT_RECIPE["complaint_repeats"])


def default_projection_texts(corpus: Path | None = None) -> list[str]:
    """The fast tier's projection texts: the packaged taxonomy and seeds, and the demo corpus' texts
    (`corpus_documents`)."""
    from miner.complaints.detector import load_seeds
    from miner.touchpoints import load_taxonomy

    complaints, other = load_seeds()
    return projection_texts(load_taxonomy(), complaints + other, corpus_documents(corpus))


def corpus_documents(corpus: Path | None = None) -> list[str]:
    """The demo corpus' texts: those frozen into the package (FROZEN), or with `corpus`, the texts of its training
    folders as the importer reads them now (what `freeze_demo_texts` writes)."""
    if corpus is None:
        return list(json.loads(FROZEN.read_text(encoding="utf-8")))
    folders = training_corpora(corpus)
    if not folders:
        return []
    from miner.ingest import read_paths

    return [text for _, records in read_paths(folders) for r in records for _, text in r.mined_text()]


def head_texts(touchpoints: Training, complaints: Training, corpus: Path | None = None) -> list[str]:
    """The complaint head's texts (miner/train/recipes.py `fit_complaint_head`): the two encoders' training texts
    and the demo corpus' clauses, each once."""
    texts = [*touchpoints[0], *complaints[0]]
    documents = corpus_documents(corpus)
    if documents:
        from miner.segment.rules import RuleSegmenter

        texts += [s.text for segs in RuleSegmenter().segment(documents) for s in segs]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def default_head_training() -> Training:
    """The complaint head's training set from the packaged taxonomy, seeds and demo corpus (no labels)."""
    return head_texts(default_touchpoint_training(), default_complaint_training()), []


def freeze_demo_texts(corpus: Path = CORPUS, target: Path = FROZEN) -> int:
    """Write the texts of `corpus`'s training folders, as read now, to `target` (one JSON string a line); the
    recipes train on them from then on, so every model is rebuilt. Returns how many there are."""
    texts = corpus_documents(corpus)
    if not texts:
        raise ValueError(f"{corpus}: no corpus folders to read; run this in a checkout")
    target.write_text(json.dumps(texts, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(texts)


def training_corpora(corpus: Path | None = CORPUS) -> list[Path]:
    """The folders of `corpus` a recipe may train on: all but the evaluation sets (EVAL_CORPORA)."""
    if corpus is None or not corpus.is_dir():
        return []
    return [f for f in sorted(corpus.iterdir()) if f.is_dir() and f.name not in EVAL_CORPORA]


def student_texts(texts: Sequence[str], vocabulary: Sequence[str], seed: int = 0, words: int = 3000) -> list[str]:
    """`texts` and variants of them for the fast tier's student to learn from (docs/lab/student.md): two word
    windows of 3-8 words per sentence (clause fragments), a lower-cased copy without the final stop, random pairs
    run together (a review of two sentences), and `words` alphabetic tokens of the student's vocabulary."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = list(texts)
    out = list(base)
    for text in base:
        tokens = text.split()
        if len(tokens) >= 6:
            for _ in range(2):
                n = int(rng.integers(3, min(9, len(tokens))))
                start = int(rng.integers(0, len(tokens) - n + 1))
                out.append(" ".join(tokens[start : start + n]))
        out.append(text.lower().rstrip(".!?"))
    for _ in range(len(base) // 2):
        i, j = rng.integers(0, len(base), 2)
        out.append(f"{base[i]} {base[j]}")
    alpha = [w for w in vocabulary if w.isalpha() and len(w) >= 3]
    if alpha:
        out += [str(w) for w in rng.choice(alpha, size=min(words, len(alpha)), replace=False)]
    return list(dict.fromkeys(t for t in out if t.strip()))


def swapped_texts(texts: Sequence[str], vocabulary: Sequence[str], n: int = 1, share: float = 0.2) -> list[str]:
    """`n` variants of each text with `share` of its words replaced by random alphabetic words of the vocabulary:
    the same sentence shapes about things the project's texts never name (a bank card where a pizza was), for a
    student to learn how its teacher reads words it has no sentence about (docs/lab/compact.md)."""
    import numpy as np

    rng = np.random.default_rng(1)
    words = [w for w in vocabulary if w.isalpha() and len(w) >= 3]
    out = []
    for text in texts:
        tokens = text.split()
        for _ in range(n):
            picks = rng.random(len(tokens)) < share
            out.append(" ".join(str(rng.choice(words)) if p else t for t, p in zip(tokens, picks, strict=True)))
    return out
