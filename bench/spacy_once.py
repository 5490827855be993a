"""The default profile's redaction and clause CPU on real airline conversations (docs/lab/spacyonce.md).

    python bench/spacy_once.py steps    --limit 1000   # CPU per step of redact + segment, in this process
    python bench/spacy_once.py onepass  --limit 1000   # one spaCy pass (parse + NER on customer turns) vs two
    python bench/spacy_once.py prepare  --limit 1000 --out a.pkl   # redact + segment as the second process does
    python bench/spacy_once.py compare  a.pkl b.pkl    # are two trees' redacted texts and segments identical?

Run `prepare` once per tree (PYTHONPATH=<tree>) side by side, then `compare`. Reads the first `--limit` rows."""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import time
from collections.abc import Callable
from pathlib import Path

CSV = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "raw" / "twcs_airline_conversations.csv"
PIECE = 500  # records per call, as overlap.py gives the second process


def candidates_of(texts: list[str]) -> dict[int, list[tuple[int, int]]]:
    """Each text's possible names (miner/segment/namefilter.py), as `PresidioNames.find` hands them to `_parts`."""
    from miner.segment.namefilter import Vocabulary, name_candidates

    vocabulary = Vocabulary(texts)
    return {i: name_candidates(t, vocabulary) for i, t in enumerate(texts)}


def _records(limit: int) -> list:
    from miner.ingest import ColumnMap, iter_file

    return [r for chunk in iter_file(CSV, ColumnMap()) for r in chunk][:limit]


def _cpu(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return round(time.process_time() - start, 2)


def steps(limit: int) -> dict:
    from miner.segment import Segmenter
    from miner.segment.pii import pattern_spans
    from miner.segment.presidio import PresidioNames
    from miner.segment.segmenter import components_for

    records = _records(limit)
    texts, turns = [r.text for r in records], [t for r in records for _, t in r.mined_text()]
    names, segmenter = PresidioNames(), Segmenter()
    out = {"load both": _cpu(lambda: (names._load(), segmenter.nlp))}
    nlp = names._load().nlp_engine.nlp["en"]
    windows = [texts[i][a:b] for i, a, b in names._parts(texts, list(range(len(texts))), candidates_of(texts))]
    out["patterns"] = _cpu(lambda: [pattern_spans(t) for t in texts])
    out["ner tok2vec+ner on windows"] = _cpu(lambda: list(nlp.pipe(windows, disable=["tagger", "parser"])))
    out["ner alone on windows"] = _cpu(lambda: list(nlp.pipe(windows, disable=components_for(nlp, ["ner"]))))
    out["names (PresidioNames.find)"] = _cpu(lambda: names.find(texts))
    out["clause parse"] = _cpu(lambda: list(segmenter.segment(turns)))
    return {**out, "windows": len(windows), "window chars": sum(map(len, windows)), "turn chars": sum(map(len, turns))}


def onepass(limit: int) -> dict:
    """Two passes (clauses without NER; NER alone on the name windows) against one (parse + NER on each customer
    turn, NER alone only on windows that do not lie inside a customer turn)."""
    from miner.segment.presidio import PresidioNames
    from miner.segment.segmenter import components_for

    records = _records(limit)
    texts, turns = [r.text for r in records], [t for r in records for _, t in r.mined_text()]
    names = PresidioNames()
    nlp = names._load().nlp_engine.nlp["en"]
    parts = names._parts(texts, list(range(len(texts))), candidates_of(texts))
    inside = {(i, a, b) for i, a, b in parts if any(s <= a and b <= e for s, e in _turn_spans(records[i]))}
    outside = [texts[i][a:b] for i, a, b in parts if (i, a, b) not in inside]
    ner_alone = components_for(nlp, ["ner"])
    two = _cpu(lambda: (list(nlp.pipe(turns, disable=["ner"])),
                        list(nlp.pipe([texts[i][a:b] for i, a, b in parts], disable=ner_alone))))  # fmt: skip
    one = _cpu(lambda: (list(nlp.pipe(turns)), list(nlp.pipe(outside, disable=ner_alone))))
    return {"two passes": two, "one pass": one, "windows": len(parts), "inside customer turns": len(inside)}


def _turn_spans(record: object) -> list[tuple[int, int]]:
    """Where each customer turn lies in the record's text."""
    spans, cursor = [], 0
    for _, turn in record.mined_text():  # type: ignore[attr-defined]
        start = record.text.find(turn, cursor)  # type: ignore[attr-defined]
        spans.append((start, start + len(turn)))
        cursor = start + len(turn)
    return spans


def prepare(limit: int, out: Path) -> dict:
    from miner.ingest.records import Record
    from miner.pipeline.overlap import prepare as prepare_piece
    from miner.segment import Segmenter
    from miner.segment.pii import redact_records

    segmenter = Segmenter()
    started = _cpu(lambda: prepare_piece([Record("x.csv", 1, "Hi, Sarah was rude.")], segmenter, redact_records))
    records, result = _records(limit), []

    def run() -> None:
        for start in range(0, len(records), PIECE):
            done, segments = prepare_piece(records[start : start + PIECE], segmenter, redact_records)
            result.extend((r.text, [s.text for s in segs]) for r, segs in zip(done, segments, strict=True))

    cpu = _cpu(run)
    out.write_bytes(pickle.dumps(result))
    rss = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {"start-up cpu": started, "redact+segment cpu": cpu, "peak rss mb": rss,
            "segments": sum(len(s) for _, s in result)}  # fmt: skip


def compare(a: Path, b: Path) -> dict:
    left, right = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    pairs = list(zip(left, right, strict=True))
    return {"records": len(pairs), "same text": sum(x[0] == y[0] for x, y in pairs),
            "same segments": sum(x[1] == y[1] for x, y in pairs)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["steps", "onepass", "prepare", "compare"])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("prepared.pkl"))
    args = parser.parse_args()
    if args.what == "compare":
        result = compare(*args.files)
    elif args.what == "prepare":
        result = prepare(args.limit, args.out)
    else:
        result = {"steps": steps, "onepass": onepass}[args.what](args.limit)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
