"""A contextual student for the batch tier (issue 21; docs/lab/adapt.md section 5): the default's tuned encoder cut to
its first k transformer layers, then fine-tuned so that its mean-pooled vector reproduces the full encoder's, on the
same project-written texts the static student learns from (miner/train/sources.py `student_texts`; nothing from
../shared goes into it). Prints the cosine to the teacher on held-out project texts and on real text never trained
on (the probe, and 500 items per real set when ../shared/datasets is there) before training and after each epoch,
with the static student's figures beside it; `--save DIR` writes the student as a sentence-transformers folder that
`--embedding-model DIR` (or bench/student_layers.py's callers) can read.

Usage: python bench/student_layers.py [--layers 2] [--epochs 4] [--save DIR]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from student_context import _cosine, _real_texts, held_out  # noqa: E402


def prune_ffn(model, keep: int) -> None:  # noqa: ANN001 - a transformers BertModel
    """Keep the `keep` feed-forward units of each layer whose weights in and out are largest (their product of
    norms): a narrower layer, cheaper per token, that distillation then repairs."""
    import torch

    for layer in model.encoder.layer:
        up, down = layer.intermediate.dense, layer.output.dense
        score = up.weight.norm(dim=1) * down.weight.norm(dim=0)
        idx = torch.argsort(score, descending=True)[:keep].sort().values
        new_up = torch.nn.Linear(up.in_features, keep)
        new_down = torch.nn.Linear(keep, down.out_features)
        with torch.no_grad():
            new_up.weight.copy_(up.weight[idx])
            new_up.bias.copy_(up.bias[idx])
            new_down.weight.copy_(down.weight[:, idx])
            new_down.bias.copy_(down.bias)
        layer.intermediate.dense, layer.output.dense = new_up, new_down
    model.config.intermediate_size = keep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=2, help="how many of the teacher's layers the student keeps")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--token-weight", type=float, default=0.0, help="weight of matching the teacher's token states")
    parser.add_argument("--ffn", type=int, default=0, help="keep this many feed-forward units per layer (0: all)")
    parser.add_argument("--swap", type=int, default=0, help="variants per text with a fifth of its words swapped")
    parser.add_argument("--states", type=Path, help="a file to keep the teacher's token states in between runs")
    parser.add_argument("--save", type=Path, help="write the trained student here (a sentence-transformers folder)")
    parser.add_argument(
        "--score-weight",
        type=float,
        default=0.0,
        help="weight of matching the teacher's similarities to the taxonomy's examples and descriptions (a softmax "
        "over them, KL divergence): a target that is what the mapper reads, not the vector",
    )
    parser.add_argument("--score-temperature", type=float, default=0.05)
    parser.add_argument(
        "--complaint-weight",
        type=float,
        default=0.0,
        help="weight of matching the teacher's vector through the default's complaint head (what the detector reads)",
    )
    args = parser.parse_args()
    import torch
    from transformers import BertModel

    from miner.embed.registry import get_bundle
    from miner.embed.static import apply_head, static_vectors
    from miner.train.compact import Readers, distillation_loss, taxonomy_texts, token_states
    from miner.train.distill import fit_head
    from miner.train.models import fast
    from miner.train.sources import default_projection_texts, student_texts, swapped_texts

    torch.manual_seed(0)
    static = fast(None).mapping
    texts = student_texts(default_projection_texts(), static.model.tokens)
    if args.swap:
        texts += swapped_texts(texts, static.model.tokens, args.swap)
    held, train = held_out(texts)
    real = _real_texts()
    teacher = get_bundle("default").mapping
    started = time.process_time()
    y_train, y_held, y_real = teacher.embed(train), teacher.embed(held), teacher.embed(real)
    print(f"teacher read {len(train) + len(held) + len(real)} texts: {time.process_time() - started:.0f} CPU s")
    x_train, x_held, x_real = (static_vectors(static.model, static.table, t) for t in (train, held, real))
    head = fit_head(x_train, y_train)
    print(
        f"static student (MLP head, refitted on these texts): held {_cosine(apply_head(x_held, head), y_held):.4f}"
        f" real {_cosine(apply_head(x_real, head), y_real):.4f}",
        flush=True,
    )

    folder = Path(teacher.model_path())
    student = BertModel.from_pretrained(str(folder), num_hidden_layers=args.layers, add_pooling_layer=False)
    from tokenizers import Tokenizer

    if args.ffn:
        prune_ffn(student, args.ffn)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(128)
    tokenizer.no_padding()

    def ids_of(batch: list[str]) -> list[np.ndarray]:
        return [np.asarray(e.ids, dtype=np.int64) for e in tokenizer.encode_batch(batch)]

    def predict(rows: list[np.ndarray]) -> np.ndarray:
        student.eval()
        lengths = np.array([len(r) for r in rows])
        out = np.zeros((len(rows), 384), np.float32)
        with torch.inference_mode():
            sorted_rows = np.argsort(lengths)
            for s in range(0, len(rows), 256):
                part = sorted_rows[s : s + 256]
                out[part] = token_states(student, [rows[i] for i in part])[0].numpy()
        student.train()
        return out

    i_train, i_held, i_real = ids_of(train), ids_of(held), ids_of(real)
    token_goal: list[np.ndarray] = []
    if args.token_weight and args.states and args.states.exists():
        saved = np.load(args.states)
        token_goal = np.split(saved["states"], saved["offsets"][1:-1])
        assert len(token_goal) == len(i_train) and all(
            len(g) == len(i) for g, i in zip(token_goal, i_train, strict=True)
        )
    elif args.token_weight:
        full = BertModel.from_pretrained(str(folder), add_pooling_layer=False).eval()
        started = time.process_time()
        token_goal = [np.zeros(0)] * len(i_train)
        with torch.inference_mode():
            by_length = np.argsort([len(i) for i in i_train], kind="stable")
            for s in range(0, len(i_train), 128):
                part = by_length[s : s + 128]
                _, hidden, _ = token_states(full, [i_train[i] for i in part])
                for row, i in enumerate(part):
                    token_goal[i] = hidden[row, : len(i_train[i])].numpy().astype(np.float16)
        print(f"teacher's token states: {time.process_time() - started:.0f} CPU s", flush=True)
        if args.states:
            offsets = np.cumsum([0] + [len(g) for g in token_goal])
            np.savez(args.states, states=np.concatenate(token_goal), offsets=offsets)
    print(
        f"{args.layers} layers, untrained: held {_cosine(predict(i_held), y_held):.4f} real "
        f"{_cosine(predict(i_real), y_real):.4f}",
        flush=True,
    )
    goal = torch.nn.functional.normalize(torch.from_numpy(y_train), dim=1)
    readers = None
    if args.score_weight or args.complaint_weight:  # the shipped recipe's losses (miner/train/compact.py `Readers`)
        anchors = teacher.embed(taxonomy_texts()) if args.score_weight else None
        head = get_bundle("default").complaint.head if args.complaint_weight else None
        readers = Readers(anchors, head, args.score_weight, args.score_temperature, args.complaint_weight)

    optimiser = torch.optim.AdamW(student.parameters(), lr=args.lr, weight_decay=0.01)
    lengths = np.array([len(i) for i in i_train])
    steps = args.epochs * (len(i_train) // args.batch + 1)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    for epoch in range(args.epochs):
        started = time.process_time()
        perm = np.random.default_rng(epoch).permutation(len(i_train))
        perm = perm[np.argsort(lengths[perm] // 4, kind="stable")]  # batches of similar length
        batches = [perm[s : s + args.batch] for s in range(0, len(perm), args.batch)]
        random.Random(epoch).shuffle(batches)
        for b in batches:
            states = token_states(student, [i_train[i] for i in b])
            token_goals = [token_goal[i] for i in b] if args.token_weight else []
            loss = distillation_loss(states, goal[b], token_goals, args.token_weight, readers)
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        print(
            f"epoch {epoch}: held {_cosine(predict(i_held), y_held):.4f} real {_cosine(predict(i_real), y_real):.4f}"
            f" ({time.process_time() - started:.0f} CPU s)",
            flush=True,
        )
    if args.save:
        if args.save.exists():
            shutil.rmtree(args.save)
        shutil.copytree(folder, args.save)
        student.save_pretrained(str(args.save))
        print(f"saved to {args.save}")


if __name__ == "__main__":
    main()
