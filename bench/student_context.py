"""A contextual student for the fast tier (docs/lab/adapt.md, section 2): the shipped MLP head on mean static vectors,
plus one small transformer layer over the static token vectors whose pooled output is added to it, both trained to
the tuned encoder's vectors on project-written text. Prints the cosine to the teacher on held-out project texts and
on real text never trained on (the probe, and 500 items per real set when ../shared/datasets is there), per epoch.

Usage: python bench/student_context.py [--epochs 5] [--width 256]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DATASETS, PROBE, REAL  # noqa: E402


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)))


def _real_texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in PROBE.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in REAL:
        path = DATASETS / f"{name}.jsonl"
        if path.exists():
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            random.Random(1).shuffle(rows)
            texts += [r["text"][:400] for r in rows[:500]]
    return texts


def held_out(texts: list[str]) -> tuple[list[str], list[str]]:
    """A seeded tenth of `texts` held out, and the rest to train on."""
    order = list(range(len(texts)))
    random.Random(0).shuffle(order)
    return [texts[i] for i in order[: len(texts) // 10]], [texts[i] for i in order[len(texts) // 10 :]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--width", type=int, default=256, help="the layer's width (the static vectors are 384)")
    args = parser.parse_args()
    import torch

    from miner.embed.registry import get_bundle
    from miner.embed.static import apply_head, static_vectors
    from miner.train.distill import fit_head
    from miner.train.models import fast
    from miner.train.sources import default_projection_texts, student_texts

    torch.manual_seed(0)
    student = fast(None).mapping
    model, table = student.model, student.table
    texts = student_texts(default_projection_texts(), model.tokens)
    held, train = held_out(texts)
    real = _real_texts()
    teacher = get_bundle("default").mapping
    y_train, y_held, y_real = teacher.embed(train), teacher.embed(held), teacher.embed(real)
    x_train, x_held, x_real = (static_vectors(model, table, t) for t in (train, held, real))
    head = fit_head(x_train, y_train)
    g_train, g_held, g_real = (apply_head(x, head) for x in (x_train, x_held, x_real))
    print(f"MLP head: held {_cosine(g_held, y_held):.4f} real {_cosine(g_real, y_real):.4f}", flush=True)

    tokens = torch.from_numpy(table)
    dim = tokens.shape[1]

    class Context(torch.nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.down = torch.nn.Linear(dim, width)
            self.pos = torch.nn.Embedding(64, width)
            torch.nn.init.normal_(self.pos.weight, std=0.02)
            layer = torch.nn.TransformerEncoderLayer(
                width, 4, 2 * width, dropout=0.1, batch_first=True, norm_first=True
            )
            self.enc = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
            self.up = torch.nn.Linear(width, y_train.shape[1])
            torch.nn.init.zeros_(self.up.weight)
            torch.nn.init.zeros_(self.up.bias)

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            x = self.down(tokens[ids]) + self.pos(torch.arange(ids.shape[1]))[None]
            h = self.enc(x, src_key_padding_mask=~mask)
            m = mask[..., None].float()
            return self.up((h * m).sum(1) / m.sum(1).clamp(min=1))

    def ids_of(batch: list[str]) -> list[np.ndarray]:
        return [np.asarray(i, dtype=np.int64) for i in model.tokenize(sentences=batch, max_length=64)]

    def padded(rows: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(1, max(len(r) for r in rows))
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros(len(rows), width, dtype=torch.bool)
        for k, r in enumerate(rows):
            ids[k, : len(r)] = torch.from_numpy(r)
            mask[k, : len(r)] = True
        mask[:, 0] |= ~mask.any(1)  # a text with no token attends to its padding
        return ids, mask

    net = Context(args.width)
    i_train, i_held, i_real = ids_of(train), ids_of(held), ids_of(real)
    base = torch.from_numpy(g_train.astype(np.float32))
    goal = torch.nn.functional.normalize(torch.from_numpy(y_train), dim=1)
    optimiser = torch.optim.AdamW(net.parameters(), lr=5e-4, weight_decay=0.01)
    lengths = np.array([len(i) for i in i_train])

    def predict(rows: list[np.ndarray], start: np.ndarray) -> np.ndarray:
        net.eval()
        with torch.inference_mode():
            out = np.concatenate([net(*padded(rows[s : s + 512])).numpy() for s in range(0, len(rows), 512)])
        net.train()
        return start + out

    for epoch in range(args.epochs):
        started = time.process_time()
        perm = np.random.default_rng(epoch).permutation(len(i_train))
        perm = perm[np.argsort(lengths[perm] // 4, kind="stable")]  # batches of similar length
        batches = [perm[s : s + 128] for s in range(0, len(perm), 128)]
        random.Random(epoch).shuffle(batches)
        for b in batches:
            out = base[b] + net(*padded([i_train[i] for i in b]))
            loss = 1 - torch.nn.functional.cosine_similarity(out, goal[b]).mean()
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
        held_cos = _cosine(predict(i_held, g_held), y_held)
        real_cos = _cosine(predict(i_real, g_real), y_real)
        print(f"epoch {epoch}: held {held_cos:.4f} real {real_cos:.4f} ({time.process_time() - started:.0f} CPU s)")


if __name__ == "__main__":
    main()
