"""A complaint clause that also says there is no complaint is mapped on its complaint alone."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_a_clause_with_a_no_complaint_phrase_is_read_for_mapping_without_it(db, fake_embedder, mini_taxonomy):
    """ "Can't fault the driver, my order was wrong" was mapped on the whole clause, and the praise words pulled it
    to the driver's touchpoint; only such clauses are embedded again."""
    from miner.embed import EmbeddingCache
    from miner.pipeline.reading import read_complaint_parts
    from miner.touchpoints.mapper import get_mapper

    texts = ["Can't fault the driver, my order was wrong", "The room was filthy, no complaints about the staff @hotel",
             "my order was late", "Refund arrived within a week, no complaints"]  # fmt: skip
    read: list[str] = []

    class Counting(EmbeddingCache):
        def embed(self, batch, progress=None):  # noqa: ANN001, ANN202
            read.extend(batch)
            return super().embed(batch, progress)

    cache = Counting(fake_embedder, db)
    vectors = cache.embed(texts)
    read.clear()
    mapper = get_mapper("examples", mini_taxonomy, fake_embedder.embed, normalise=True)
    out, mapped = read_complaint_parts(texts, vectors, cache, mapper)
    assert mapped == ["my order was wrong", "The room was filthy", texts[2], texts[3]]
    assert read == ["my order was wrong", "The room was filthy"]
    assert np.allclose(out[0], fake_embedder.embed(["my order was wrong"])[0], atol=1e-3)
    assert np.array_equal(out[2:], vectors[2:])


@pytest.mark.e2e
def test_touchpoints_mine_maps_a_complaint_after_praise_of_the_driver_as_the_complaint_alone(tmp_path):
    import sqlite3

    rows = [
        "Can't fault the driver, my order was wrong",
        "My order was wrong",
        "The app crashed at checkout and charged me twice",
        "The driver was rude and threw the bag at the door",
    ]
    path, db = tmp_path / "feedback.csv", tmp_path / "t.db"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["id", "text"], *[[i, t] for i, t in enumerate(rows)]])
    proc = subprocess.run([sys.executable, "-m", "miner", "mine", str(path), "--db", str(db)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(db)
    mapped = {}
    for text, touchpoint, sub in con.execute("SELECT s.text, a.touchpoint, a.subtouchpoint FROM assignments a "
                                             "JOIN segments s ON s.id = a.segment_id ORDER BY a.rank"):  # fmt: skip
        mapped.setdefault(text, []).append((touchpoint, sub))
    assert mapped[rows[0]] == mapped[rows[1]]  # as the complaint alone, not the driver's touchpoint
    assert "agents" not in {t for t, _ in mapped[rows[0]]}
