"""Fine-tuning recipes: each builds a sentence-transformers encoder from (texts, labels) handed in by the caller.

`TUNED`: the default encoder, the packaged all-MiniLM-L6-v2 after one gentle pass of a supervised contrastive
loss over the taxonomy's descriptions and examples (labelled by touchpoint), its `none_examples` and the
complaint detector's non-complaint seeds, so that sentences about one touchpoint sit closer together than MiniLM
puts them (SetFit-style; nothing from any evaluation set is used). User taxonomies need no retraining: the encoder
stays the same and their examples steer the mapper directly.

`COMPLAINTS`: a second copy of MiniLM fine-tuned on the detector's seeds alone, with a logistic head trained
jointly (then dropped), so that "is this a complaint" is one clear direction in its space. Averaged with the head
on the touchpoint encoder, it lifts complaint F1 on review sentences by about 6 points.

`JOINT`: one model for both (issue 21, "one read of each segment"): the `TUNED` pass, with the complaint seeds
(three times over, as `COMPLAINTS` reads them three epochs) in the same shuffled batches under a jointly trained
logistic head (then dropped), so the mapping encoder's own vectors carry the complaint direction and no second
encoder has to read every segment (docs/lab/onepass.md).

Either recipe runs on another sentence-transformers model (`base`, `--embedding-model tuned:PATH`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from miner.errors import ModelError
from miner.progress import Progress
from miner.train.distill import RIDGE
from miner.train.names import Training, fingerprint, recipe_key

# One gentle pass: more epochs or a higher learning rate fitted the examples' style and lost on real text.
RECIPE: dict[str, Any] = {"loss": "supcon", "epochs": 1, "lr": 1e-5, "temperature": 0.5, "batch": 64, "seed": 0}
COMPLAINT_RECIPE: dict[str, Any] = {
    "loss": "bce-head",
    "epochs": 3,
    "lr": 2e-5,
    "head_lr": 1e-3,
    "scale": 10.0,
    "batch": 32,
    "seed": 0,
}
# The complaint recipe on top of the tuned encoder with its embeddings and first `frozen` layers fixed, so that at
# inference those layers are the tuned encoder's and run once for both (docs/lab/secondhead.md).
SHARED_RECIPE: dict[str, Any] = {**COMPLAINT_RECIPE, "base": "tuned", "frozen": 3}
JOINT_RECIPE: dict[str, Any] = {
    **RECIPE,
    "complaint_loss": "bce-head",
    "complaint_repeats": 3,
    "complaint_weight": 1.0,
    "head_lr": 1e-3,
    "scale": 10.0,
}
NOT_COMPLAINT, COMPLAINT = -2, -1  # a joint training set's labels for the complaint seeds (touchpoint labels >= 0)


def _base_model(base: str | None, device: str = "cpu"):  # noqa: ANN202 - a SentenceTransformer
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from miner.embed.sentence_transformers import packaged_model_path

    source = str(packaged_model_path()) if base is None else str(Path(base).expanduser())
    try:
        return SentenceTransformer(source, device=device)
    except (OSError, ValueError) as err:
        raise ModelError(f"could not load the base model '{base}' to fine-tune: {err}") from None


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


def _with_head(recipe: dict[str, Any], base: str | None) -> tuple[Any, Any, Any]:
    """`base` in training mode with a one-logit head, and an optimiser over both (the head at its own rate)."""
    import torch

    torch.manual_seed(recipe["seed"])
    model = _base_model(base)
    model.train()
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    head = torch.nn.Linear(get_dim(), 1)
    optimiser = torch.optim.AdamW(
        [{"params": model.parameters()}, {"params": head.parameters(), "lr": recipe["head_lr"]}], lr=recipe["lr"]
    )
    return model, head, optimiser


def tune_complaints(
    texts: list[str], labels: list[int], target: Path, progress: Progress | None = None, base: str | None = None
) -> Path:
    """Fine-tune `base` with a logistic complaint head on (texts, labels: 1 complaint, 0 not); save the encoder."""
    import torch

    recipe = COMPLAINT_RECIPE
    model, head, optimiser = _with_head(recipe, base)
    y_all = torch.tensor(labels, dtype=torch.float32)
    positive_weight = torch.tensor((len(labels) - sum(labels)) / max(1, sum(labels)))

    def loss_of(emb, idx):  # noqa: ANN001, ANN202 - torch tensors
        logits = head(emb * recipe["scale"]).squeeze(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, y_all[idx], pos_weight=positive_weight)

    _train(model, texts, recipe, optimiser, loss_of, "Fine-tuning complaint encoder", progress)
    return _save(model, target)


def tune_complaints_shared(
    texts: list[str],
    labels: list[int],
    target: Path,
    progress: Progress | None = None,
    base: str | None = None,
    frozen: int = SHARED_RECIPE["frozen"],
) -> Path:
    """The complaint recipe on `base` (the tuned encoder's folder) with its embeddings and first `frozen` layers
    left as they are: only the top layers learn, so a split forward can share the bottom ones (bert.py)."""
    import torch

    if base is None:
        raise ModelError("the shared-layer complaint encoder is trained from the tuned encoder: give its folder")
    recipe = {**COMPLAINT_RECIPE, "frozen": frozen}
    model, head, _ = _with_head(recipe, base)
    bert = model[0].auto_model
    for module in [bert.embeddings, *bert.encoder.layer[:frozen]]:
        for param in module.parameters():
            param.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [{"params": trainable}, {"params": head.parameters(), "lr": recipe["head_lr"]}], lr=recipe["lr"]
    )
    y_all = torch.tensor(labels, dtype=torch.float32)
    positive_weight = torch.tensor((len(labels) - sum(labels)) / max(1, sum(labels)))

    def loss_of(emb, idx):  # noqa: ANN001, ANN202 - torch tensors
        logits = head(emb * recipe["scale"]).squeeze(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, y_all[idx], pos_weight=positive_weight)

    _train(model, texts, recipe, optimiser, loss_of, "Fine-tuning complaint layers", progress)
    return _save(model, target)


def tune_joint(
    texts: list[str], labels: list[int], target: Path, progress: Progress | None = None, base: str | None = None
) -> Path:
    """Fine-tune `base` on a joint training set (miner/train/sources.py `joint_training_set`): the supervised
    contrastive loss over the rows labelled by touchpoint (>= 0) plus a logistic complaint head over the seed rows
    (COMPLAINT / NOT_COMPLAINT), in the same batches; save the encoder."""
    import torch

    recipe = JOINT_RECIPE
    model, head, optimiser = _with_head(recipe, base)
    y_all = torch.tensor(labels)
    seeds = y_all < 0
    complaints = int((y_all == COMPLAINT).sum())
    positive_weight = torch.tensor((int(seeds.sum()) - complaints) / max(1, complaints))

    def loss_of(emb, idx):  # noqa: ANN001, ANN202 - torch tensors
        y = y_all[idx]
        tp = y[y >= 0]
        paired = bool((tp[:, None] == tp[None, :]).sum() > len(tp))  # supcon needs a pair of one touchpoint
        loss = supcon_loss(emb[y >= 0], tp, recipe["temperature"]) if paired else emb.sum() * 0.0
        if bool((y < 0).any()):
            logits = head(emb[y < 0] * recipe["scale"]).squeeze(1)
            target = (y[y < 0] == COMPLAINT).float()
            bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, pos_weight=positive_weight)
            loss = loss + recipe["complaint_weight"] * bce
        return loss

    _train(model, texts, recipe, optimiser, loss_of, "Fine-tuning encoder (touchpoints and complaints)", progress)
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


@dataclass(frozen=True)
class Recipe:
    """A named way to build an encoder: `kind` is the middle of its name, `fit(texts, labels, target, progress,
    base)` builds it."""

    kind: str
    params: dict
    fit: Callable[..., Path]
    setup: str = "setup-models"  # the command that builds it ahead of time

    def name(self, training: Training, base: str | None = None) -> str:
        return fingerprint(self.kind, self.params, training, base)

    def key(self, base: str | None = None) -> str:
        return recipe_key(self.kind, self.params, base)


def distil(
    texts: list[str], labels: list[int], target: Path, progress: Progress | None = None, base: str | None = None
) -> Path:
    """The fast tier's recipe (miner/train/distill.py): model2vec distilled from the packaged MiniLM, with heads
    fitted on `texts` (`labels` unused) to reproduce the default's tuned encoder and its complaint encoder (built
    first if need be)."""
    from miner.train.distill import distill_fast_model
    from miner.train.models import two_pass

    if base is not None:
        raise ModelError("the fast tier is distilled from the packaged MiniLM only; give m2v:PATH for another model")
    teachers = two_pass(None)  # the complaint encoder itself teaches the fast tier's complaint head
    return distill_fast_model(texts, target, teacher=teachers.mapping, complaint_teacher=teachers.complaint)


# The complaint head (docs/lab/secondhead.md): an MLP from the tuned encoder's vectors to the complaint encoder's,
# fitted on project-written texts and their variants; `complaint_head_recipe` adds which two encoders it joins.
# On the texts themselves: with sources.py `student_texts`' variants (3.6x as many) each build read ~31k texts, too
# slow for the transfer protocol's six held-out pairs on a shared machine (docs/lab/secondhead.md).
HEAD_RECIPE: dict[str, Any] = {"head": "mlp", "hidden": 512, "epochs": 30, "texts": "head_texts"}


def fit_complaint_head(
    texts: list[str],
    labels: list[int],
    target: Path,
    progress: Progress | None = None,
    base: str | None = None,
    *,
    source: Any = None,
    teacher: Any = None,
) -> Path:
    """Fit the head from `source`'s vectors (the tuned encoder) to `teacher`'s (the complaint encoder) on `texts`
    (sources.py `head_texts`; `labels` and `base` unused) and save it at `target`."""
    import json

    import numpy as np

    from miner.embed.head import HEAD_FILE
    from miner.train.distill import fit_head

    if source is None or teacher is None:
        raise ModelError("the complaint head is fitted between two encoders: give its source and teacher")
    variants = list(texts)
    with (progress or Progress()).stage("Fitting the complaint head", 2 * len(variants)) as advance:
        x = source.embed(variants, progress=advance)
        y = teacher.embed(variants, progress=advance)
    head = fit_head(x, y, hidden=HEAD_RECIPE["hidden"], epochs=HEAD_RECIPE["epochs"])
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    tmp.mkdir(parents=True)
    np.savez(tmp / HEAD_FILE, W=head["W"], A=head["A"], a=head["a"], B=head["B"])
    about = {"recipe": HEAD_RECIPE, "source": source.name, "teacher": teacher.name, "texts": len(variants)}
    (tmp / "config.json").write_text(json.dumps(about, indent=1), encoding="utf-8")  # marks a finished build
    if target.exists():
        shutil.rmtree(tmp)
    else:
        tmp.rename(target)
    return target


def complaint_head_recipe(source: Any, teacher: Any) -> Recipe:
    """The complaint head's recipe between two built encoders, named by theirs (so a new tuned or complaint
    encoder names a new head)."""
    import functools

    params = {**HEAD_RECIPE, "source": source.built_name, "teacher": teacher.built_name}
    return Recipe("complainthead", params, functools.partial(fit_complaint_head, source=source, teacher=teacher))


TUNED = Recipe("tuned", RECIPE, tune)
COMPLAINTS = Recipe("complaints", COMPLAINT_RECIPE, tune_complaints)
JOINT = Recipe("joint", JOINT_RECIPE, tune_joint)
# The student of docs/lab/student.md (G): an MLP head into the tuned encoder's space, on augmented texts; and (Gc,
# 2026-12-04) a second one into the complaint encoder's space, which the fast tier's complaint detector reads.
FAST_RECIPE: dict[str, Any] = {
    "distil": "model2vec",
    "pca_dims": None,
    "head": "mlp",
    "hidden": 512,
    "epochs": 30,
    "ridge": RIDGE,
    "teacher": "tuned",
    "texts": "student_texts:3000",
    "complaint_head": "mlp",
}
FAST = Recipe("fast", FAST_RECIPE, distil, "setup-fast")


def fit_compact(
    texts: list[str],
    labels: list[int],
    target: Path,
    progress: Progress | None = None,
    base: str | None = None,
    *,
    teacher: Any = None,
    head: Any = None,
) -> Path:
    """The compact student (miner/train/compact.py) of `teacher` (the tuned encoder, built first if need be) on
    `texts` (`labels` and `base` unused); `head`, the complaint head on the teacher's vectors (a HeadEmbedder), whose
    reading the student also learns."""
    from miner.train.compact import distil_compact

    if teacher is None:
        raise ModelError("the compact student is distilled from an encoder: give its teacher")
    weights = None if head is None else head.head
    return distil_compact(texts, Path(teacher.model_path()), target, progress=progress, head=weights)


def compact_recipe(teacher: Any, head: Any = None) -> Recipe:
    """The compact student's recipe, named by its teacher's name and its complaint head's (a new tuned encoder or
    head names a new student)."""
    import functools

    from miner.train.compact import COMPACT_RECIPE

    params = {**COMPACT_RECIPE, "teacher": teacher.built_name}
    if head is not None:
        params["head"] = head.built_name
    fit = functools.partial(fit_compact, teacher=teacher, head=head)
    return Recipe("compact", params, fit, "setup-fast --compact")
