"""The default embedder: the packaged all-MiniLM-L6-v2, fine-tuned once on project-written text.

A SetFit-style step: one gentle pass of a supervised contrastive loss over the default taxonomy's descriptions
and examples (labelled by touchpoint), its `none_examples` and the complaint detector's non-complaint seeds,
so that sentences about the same touchpoint sit closer together than MiniLM puts them. Nothing from any
evaluation set is used. It is built on first use into the cache folder (about a minute on two cores;
`touchpoints setup-models` does it ahead of time) under a name that fingerprints its training text and
recipe, so a run records exactly which encoder it used and a changed recipe never reuses old vectors.

User taxonomies need no retraining: the encoder stays the same and their examples steer the mapper directly.

The same recipe builds on another sentence-transformers model (`--embedding-model tuned:PATH`): both encoders are
then fine-tuned from it, named `<its folder name>-tuned-<fingerprint>` with its path in the fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from miner.defaults import cache_root
from miner.embed.sentence_transformers import SentenceTransformerEmbedder, packaged_model_path
from miner.errors import ModelError
from miner.progress import Progress

# One gentle pass: more epochs or a higher learning rate fitted the examples' style and lost on real text.
RECIPE = {"loss": "supcon", "epochs": 1, "lr": 1e-5, "temperature": 0.5, "batch": 64, "seed": 0}


def training_set() -> tuple[list[str], list[int]]:
    """(texts, labels): each top-level touchpoint's own and its children's texts under one label, then the
    taxonomy's none_examples, then the detector's non-complaint seeds, each under a label of its own."""
    from miner.complaints.detector import load_seeds
    from miner.touchpoints import load_taxonomy

    taxonomy = load_taxonomy()
    texts, labels = [], []
    for j, top in enumerate(taxonomy.touchpoints):
        for tp in top.walk():
            for text in [tp.description, *tp.examples]:
                texts.append(text)
                labels.append(j)
    k = len(taxonomy.touchpoints)
    texts += taxonomy.none_examples
    labels += [k] * len(taxonomy.none_examples)
    negatives = load_seeds()[1]
    texts += negatives
    labels += [k + 1] * len(negatives)
    return texts, labels


def tuned_name(training: tuple[list[str], list[int]] | None = None, base: str | None = None) -> str:
    """`minilm-tuned-<fingerprint>`: changes with the training text, the recipe or the base model."""
    return _fingerprint("tuned", RECIPE, training or training_set(), base)


def _fingerprint(kind: str, recipe: dict, training: tuple[list[str], list[int]], base: str | None = None) -> str:
    """`<base>-<kind>-<hash>`; the packaged MiniLM's names are as they always were, so built models stay valid."""
    if base is None:
        prefix, payload = "minilm", [recipe, *training]
    else:
        prefix, payload = Path(base).name or "model", [recipe, _base_id(base), *training]
    blob = json.dumps(payload, ensure_ascii=False).encode()
    return f"{prefix}-{kind}-{hashlib.sha256(blob).hexdigest()[:10]}"


def _base_id(base: str) -> str:
    """A base model's identity: its absolute path and its config (so a model replaced in place is rebuilt)."""
    path = Path(base).expanduser()
    if not path.exists():
        return base  # a model name sentence-transformers resolves from its own cache
    config = path / "config.json"
    digest = hashlib.sha256(config.read_bytes()).hexdigest()[:10] if config.exists() else ""
    return f"{path.resolve()}#{digest}"


def _base_model(base: str | None, device: str = "cpu"):  # noqa: ANN202 - a SentenceTransformer
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    source = str(packaged_model_path()) if base is None else str(Path(base).expanduser())
    try:
        return SentenceTransformer(source, device=device)
    except (OSError, ValueError) as err:
        raise ModelError(f"could not load the base model '{base}' to fine-tune: {err}") from None


def _built(
    name: str, build: Callable, training: tuple[list[str], list[int]], progress: Progress | None, base: str | None
) -> Path:
    """The model folder `name` in the cache, built from `training` first if it is not there yet."""
    target = cache_root() / name
    if not (target / "config.json").exists():
        build(*training, target, progress, base=base)
    return target


def tune(
    texts: list[str], labels: list[int], target: Path, progress: Progress | None = None, base: str | None = None
) -> Path:
    """Fine-tune `base` (the packaged MiniLM by default) on (texts, labels) and save it at `target`."""
    import torch

    torch.manual_seed(RECIPE["seed"])
    model = _base_model(base)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=RECIPE["lr"])
    y_all = torch.tensor(labels)

    def loss_of(emb, idx):  # noqa: ANN001, ANN202 - torch tensors
        return supcon_loss(emb, y_all[idx], RECIPE["temperature"])

    _train(model, texts, RECIPE, optimiser, loss_of, "Fine-tuning encoder", progress)
    return _save(model, target)


def _train(model, texts: list[str], recipe: dict, optimiser, loss_of: Callable, title: str, progress) -> None:  # noqa: ANN001
    """`recipe["epochs"]` shuffled passes over `texts` in batches; `loss_of(unit vectors, batch indices)`."""
    import numpy as np
    import torch

    order_rng = np.random.default_rng(recipe["seed"])
    batches = -(-len(texts) // recipe["batch"])
    with (progress or Progress()).stage(title, recipe["epochs"] * batches) as advance:
        for _ in range(recipe["epochs"]):
            order = order_rng.permutation(len(texts))
            for start in range(0, len(order), recipe["batch"]):
                idx = order[start : start + recipe["batch"]]
                features = model.preprocess([texts[i] for i in idx])
                emb = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=1)
                loss_of(emb, idx).backward()
                optimiser.step()
                optimiser.zero_grad()
                advance(1)


def _save(model, target: Path) -> Path:  # noqa: ANN001 - a SentenceTransformer
    model.eval()
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    model.save(str(tmp))
    if target.exists():  # another process finished first; its model is the same recipe
        shutil.rmtree(tmp)
    else:
        tmp.rename(target)
    return target


def supcon_loss(emb, labels, temperature: float):  # noqa: ANN001, ANN201 - torch tensors
    """Supervised contrastive loss (Khosla et al. 2020) over one batch of unit vectors."""
    import torch

    n = len(labels)
    eye = torch.eye(n, dtype=torch.bool)
    logits = (emb @ emb.T / temperature).masked_fill(eye, float("-inf"))
    positive = (labels[:, None] == labels[None, :]) & ~eye
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    has = positive.any(dim=1)
    return -(log_prob.masked_fill(~positive, 0).sum(dim=1)[has] / positive.sum(dim=1)[has]).mean()


def tuned_model_dir(progress: Progress | None = None, base: str | None = None) -> Path:
    """The tuned model's folder, built first if it is not there yet."""
    training = training_set()
    return _built(tuned_name(training, base), tune, training, progress, base)


class _BuiltEmbedder(SentenceTransformerEmbedder):
    """A model this module builds: named by its fingerprint at once, built or loaded on first use."""

    def __init__(self, name: str, model_dir: Callable[..., Path], base: str | None = None, **kwargs: object) -> None:
        super().__init__(name, **kwargs)  # type: ignore[arg-type]
        self._model_dir = model_dir
        self.base = base

    @property
    def st(self):  # noqa: ANN201
        if self._st is None:
            self.model = str(self._model_dir(base=self.base))
        return super().st

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"st:{Path(self.model).name}"


class TunedEmbedder(_BuiltEmbedder):
    """MiniLM (or `base`) fine-tuned on the taxonomy (see the module docstring); recorded as
    `st:minilm-tuned-<hash>`."""

    def __init__(self, base: str | None = None, **kwargs: object) -> None:
        super().__init__(tuned_name(base=base), tuned_model_dir, base, **kwargs)


# The complaint encoder: a second copy of MiniLM fine-tuned on the detector's seeds alone, with a logistic head
# trained jointly (then dropped), so that "is this a complaint" is one clear direction in its space. Averaged
# with the head on the touchpoint encoder, it lifts complaint F1 on review sentences by about 6 points.
COMPLAINT_RECIPE = {"loss": "bce-head", "epochs": 3, "lr": 2e-5, "head_lr": 1e-3, "scale": 10.0, "batch": 32, "seed": 0}


def complaint_training_set() -> tuple[list[str], list[int]]:
    """(texts, labels): the detector's complaint seeds (1) and non-complaint seeds (0)."""
    from miner.complaints.detector import load_seeds

    complaints, other = load_seeds()
    return complaints + other, [1] * len(complaints) + [0] * len(other)


def complaint_name(training: tuple[list[str], list[int]] | None = None, base: str | None = None) -> str:
    """`minilm-complaints-<fingerprint>`: changes with the seeds, the recipe or the base model."""
    return _fingerprint("complaints", COMPLAINT_RECIPE, training or complaint_training_set(), base)


def tune_complaints(
    texts: list[str], labels: list[int], target: Path, progress: Progress | None = None, base: str | None = None
) -> Path:
    """Fine-tune `base` (the packaged MiniLM by default) with a logistic complaint head on (texts, labels); save
    the encoder."""
    import torch

    recipe = COMPLAINT_RECIPE
    torch.manual_seed(recipe["seed"])
    model = _base_model(base)
    model.train()
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    head = torch.nn.Linear(get_dim(), 1)
    optimiser = torch.optim.AdamW(
        [{"params": model.parameters()}, {"params": head.parameters(), "lr": recipe["head_lr"]}], lr=recipe["lr"]
    )
    y_all = torch.tensor(labels, dtype=torch.float32)
    positive_weight = torch.tensor((len(labels) - sum(labels)) / max(1, sum(labels)))

    def loss_of(emb, idx):  # noqa: ANN001, ANN202 - torch tensors
        logits = head(emb * recipe["scale"]).squeeze(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, y_all[idx], pos_weight=positive_weight)

    _train(model, texts, recipe, optimiser, loss_of, "Fine-tuning complaint encoder", progress)
    return _save(model, target)


def complaint_model_dir(progress: Progress | None = None, base: str | None = None) -> Path:
    """The complaint encoder's folder, built first if it is not there yet."""
    training = complaint_training_set()
    return _built(complaint_name(training, base), tune_complaints, training, progress, base)


class ComplaintEmbedder(_BuiltEmbedder):
    """The complaint encoder (see COMPLAINT_RECIPE); recorded as `st:minilm-complaints-<hash>`."""

    def __init__(self, base: str | None = None, **kwargs: object) -> None:
        super().__init__(complaint_name(base=base), complaint_model_dir, base, **kwargs)
