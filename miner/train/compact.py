"""The compact student (issue 21, docs/lab/compact.md): the default's tuned encoder cut to its first transformer
layer, then taught to give the whole encoder's vectors, so that a batch job reads each clause with one layer
instead of six and keeps most of the default's accuracy.

Distillation matches two things on project-written texts and their variants (miner/train/sources.py
`student_texts`, and as many again with a fifth of their words swapped for random vocabulary words,
`swapped_texts`; nothing from any evaluation set): the student's mean-pooled vector against the teacher's, and each
of its token states against the teacher's last-layer state of the same token. The token states carry ~15 targets per
text instead of one: without them a two-layer student reached a cosine of 0.73 to the teacher on real text, below
the static student's 0.76; with them, 0.80 (one layer: 0.77; with the swapped variants, 0.79). It also learns the
two readings the pipeline makes of a vector (`Readers`): its similarities to the taxonomy's own texts, and its
vector through the tuned encoder's complaint head, each against the teacher's. It maps the real sets 2.8 points
below the default, and the cross-industry probe 1.1, where the static student is ten and five behind.

The student is saved as a sentence-transformers folder (BERT, mean pooling, normalisation), so it runs on the
torch-only encoder (miner/embed/bert.py) in bfloat16 where the chip has it, and in the second process, like the
tuned encoder.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from miner.progress import Progress

COMPACT_RECIPE: dict[str, Any] = {
    "layers": 1,
    "epochs": 6,
    "lr": 3e-4,
    "batch": 64,
    "token_weight": 1.0,
    "texts": "student_texts:3000",
    "swap": 1,  # variants of each text with a fifth of its words swapped (sources.py `swapped_texts`)
    # what the mapper and the detector read, beside the vectors (docs/lab/compact.md section 7): the student's
    # similarities to the taxonomy's own texts against the teacher's (a softmax at this temperature, KL), and its
    # vector through the tuned encoder's complaint head against the teacher's (a cosine)
    "score_weight": 1.0,
    "score_temperature": 0.05,
    "complaint_weight": 1.0,
    "seed": 0,
}
MAX_TOKENS = 128  # the texts are clauses and short reviews; the teacher's window is 256


def _padded(rows: Sequence[np.ndarray]) -> tuple[Any, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for k, r in enumerate(rows):
        ids[k, : len(r)] = torch.from_numpy(r)
        mask[k, : len(r)] = 1
    return ids, mask


def token_states(model: Any, rows: Sequence[np.ndarray]) -> tuple[Any, Any, Any]:
    """A transformers BERT's mean-pooled vectors, last-layer token states and attention mask for `rows` of token
    ids."""
    ids, mask = _padded(rows)
    hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask[..., None].float()
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1), hidden, mask


def distillation_loss(
    student: tuple[Any, Any, Any],
    goal: Any,
    token_goals: Sequence[np.ndarray],
    token_weight: float,
    readers: Readers | None = None,
) -> Any:
    """One minus the cosine of the student's pooled vectors to `goal` (the teacher's, unit length), plus
    `token_weight` times one minus the mean cosine of each token's state to the teacher's (`token_goals`, one array
    per text, in the student's `token_states` order), plus what `readers` adds."""
    import torch

    mean, hidden, mask = student
    loss = 1 - torch.nn.functional.cosine_similarity(mean, goal).mean()
    if readers is not None:
        loss = loss + readers.loss(torch.nn.functional.normalize(mean, dim=1), goal)
    if token_weight:
        target = torch.zeros_like(hidden)
        for k, states in enumerate(token_goals):
            target[k, : len(states)] = torch.from_numpy(states.astype(np.float32))
        m = mask.float()
        cos = torch.nn.functional.cosine_similarity(hidden, target, dim=-1)
        loss = loss + token_weight * ((1 - cos) * m).sum() / m.sum()
    return loss


class Readers:
    """What the pipeline reads from a vector, as losses for a student: `anchors` (the teacher's unit vectors of the
    taxonomy's own texts), whose similarities the mapper ranks, matched as a softmax at `temperature` (KL
    divergence, `score_weight`); and `head` (the complaint head's W, A, a, B, miner/embed/head.py), the detector's
    second reading, matched by cosine (`complaint_weight`). Either may be left out (None)."""

    def __init__(
        self,
        anchors: np.ndarray | None,
        head: dict[str, np.ndarray] | None,
        score_weight: float,
        temperature: float,
        complaint_weight: float,
    ) -> None:
        import torch

        self.anchors = None if anchors is None else torch.from_numpy(np.asarray(anchors, np.float32))
        self.head = None if head is None else {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in head.items()}
        self.score_weight, self.temperature, self.complaint_weight = score_weight, temperature, complaint_weight

    def _through(self, x: Any) -> Any:
        import torch

        h = self.head
        assert h is not None
        return x @ h["W"] + torch.relu(x @ h["A"] + h["a"]) @ h["B"]

    def loss(self, mine: Any, goal: Any) -> Any:
        """For unit vectors `mine` (the student's) and `goal` (the teacher's) of the same texts."""
        import torch

        F = torch.nn.functional
        out = torch.zeros(())
        if self.anchors is not None and self.score_weight:
            t = self.temperature
            theirs = torch.softmax(goal @ self.anchors.T / t, dim=1)
            out = out + self.score_weight * F.kl_div(
                torch.log_softmax(mine @ self.anchors.T / t, dim=1), theirs, reduction="batchmean"
            )
        if self.head is not None and self.complaint_weight:
            cos = F.cosine_similarity(self._through(mine), self._through(goal))
            out = out + self.complaint_weight * (1 - cos.mean())
        return out


def taxonomy_texts() -> list[str]:
    """The packaged taxonomy's own texts: each touchpoint's description and examples, and its `none` examples."""
    from miner.touchpoints import load_taxonomy

    taxonomy = load_taxonomy()
    out: list[str] = []
    todo = list(taxonomy.touchpoints)
    while todo:
        touchpoint = todo.pop(0)
        out += [touchpoint.description, *touchpoint.examples]
        todo += touchpoint.children
    return out + list(taxonomy.none_examples)


def distil_compact(
    texts: Sequence[str],
    teacher: Path,
    target: Path,
    recipe: dict[str, Any] | None = None,
    progress: Progress | None = None,
    head: dict[str, np.ndarray] | None = None,
) -> Path:
    """Distil the BERT sentence encoder saved at `teacher` into a student of its first `recipe["layers"]` layers on
    `texts` and their variants, and save it at `target`; `head`, the complaint head on the teacher's vectors
    (`Readers`). About 16 CPU minutes on the default's texts (~37k with their variants)."""
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    from miner.train.sources import student_texts, swapped_texts

    hf_logging.set_verbosity_error()  # the cut model's load report lists the layers left out, as it should

    recipe = {**COMPACT_RECIPE, **(recipe or {})}
    progress = progress or Progress()
    torch.manual_seed(recipe["seed"])
    tokenizer = Tokenizer.from_file(str(teacher / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    ids = tokenizer.get_vocab()
    vocabulary = sorted(ids, key=lambda token: ids[token])
    words = int(str(recipe["texts"]).partition(":")[2] or 0)
    variants = student_texts(texts, vocabulary, seed=recipe["seed"], words=words)
    if recipe["swap"]:
        variants += swapped_texts(variants, vocabulary, recipe["swap"])
    rows = [np.asarray(e.ids, dtype=np.int64) for e in tokenizer.encode_batch(variants)]
    lengths = np.array([len(r) for r in rows])
    by_length = np.argsort(lengths, kind="stable")

    full = BertModel.from_pretrained(str(teacher), add_pooling_layer=False).eval()
    pooled_goal = np.zeros((len(rows), full.config.hidden_size), np.float32)
    token_goal: list[np.ndarray] = [np.zeros(0, np.float16)] * len(rows)
    with progress.stage("Reading the texts with the teacher", len(rows)) as advance, torch.inference_mode():
        for start in range(0, len(rows), 128):
            part = by_length[start : start + 128]
            mean, hidden, _ = token_states(full, [rows[i] for i in part])
            pooled_goal[part] = mean.numpy()
            for k, i in enumerate(part):
                token_goal[i] = hidden[k, : lengths[i]].numpy().astype(np.float16)
            advance(len(part))
        anchors = None
        if recipe["score_weight"]:
            anchor_rows = [np.asarray(e.ids, dtype=np.int64) for e in tokenizer.encode_batch(taxonomy_texts())]
            anchors = np.concatenate(
                [token_states(full, anchor_rows[s : s + 128])[0].numpy() for s in range(0, len(anchor_rows), 128)]
            )
            anchors /= np.maximum(np.linalg.norm(anchors, axis=1, keepdims=True), 1e-12)
    del full
    readers = Readers(anchors, head, recipe["score_weight"], recipe["score_temperature"], recipe["complaint_weight"])

    student = BertModel.from_pretrained(str(teacher), num_hidden_layers=recipe["layers"], add_pooling_layer=False)
    student.train()
    goal = torch.nn.functional.normalize(torch.from_numpy(pooled_goal), dim=1)
    optimiser = torch.optim.AdamW(student.parameters(), lr=recipe["lr"], weight_decay=0.01)
    per_epoch = -(-len(rows) // recipe["batch"])
    steps = max(1, recipe["epochs"] * per_epoch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=recipe["lr"], total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(recipe["seed"])
    with progress.stage("Distilling the compact student", recipe["epochs"] * per_epoch) as advance:
        for _ in range(recipe["epochs"]):
            order = rng.permutation(len(rows))
            order = order[np.argsort(lengths[order] // 4, kind="stable")]  # batches of similar length
            batches = [order[s : s + recipe["batch"]] for s in range(0, len(order), recipe["batch"])]
            for b in (batches[i] for i in rng.permutation(len(batches))):
                states = token_states(student, [rows[i] for i in b])
                loss = distillation_loss(states, goal[b], [token_goal[i] for i in b], recipe["token_weight"], readers)
                loss.backward()
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
                advance(1)
    student.eval()
    tmp = target.with_name(f"{target.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(teacher, tmp)  # the tokenizer and the pooling and normalisation modules
    student.save_pretrained(str(tmp))  # its own config.json (one layer) and weights
    if target.exists():  # another process finished first; its model is the same recipe
        shutil.rmtree(tmp)
    else:
        tmp.rename(target)
    return target
