"""The clause parse with and without spaCy's attribute_ruler (docs/lab/attrruler.md): CPU and whether any clause moves.

Usage: python bench/attr_ruler.py FILE   (a feedback file `touchpoints mine` reads; its customer turns are parsed)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from miner.ingest import read_paths
    from miner.segment.segmenter import PACKAGED_SPACY_MODEL, Segmenter

    turns = [text for _, recs in read_paths([Path(sys.argv[1])]) for r in recs for _, text in r.mined_text()]
    coarse = Segmenter(PACKAGED_SPACY_MODEL)
    coarse._ptb = False  # the whole pipeline, verbs from pos_ (the reading before)
    tagged = Segmenter(PACKAGED_SPACY_MODEL)
    out = {}
    for name, segmenter in (("with attribute_ruler", coarse), ("without", tagged)):
        list(segmenter.segment(["Warm up the parser and load it."]))
        started = time.process_time()
        out[name] = [[(s.text, s.start) for s in segs] for segs in segmenter.segment(turns)]
        print(f"{name}: {time.process_time() - started:.1f} CPU s", flush=True)
    before, after = out.values()
    differ = sum(x != y for x, y in zip(before, after, strict=True))
    print(f"{len(turns)} turns, {differ} with other clauses; {sum(map(len, before))} vs {sum(map(len, after))} clauses")


if __name__ == "__main__":
    main()
