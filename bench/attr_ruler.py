import sys, time
sys.path.insert(0, "/work/main")
from pathlib import Path
from miner.ingest import read_paths
import miner.segment.segmenter as S
path = sys.argv[1]
turns = [text for _, recs in read_paths([Path(path)]) for r in recs for _, text in r.mined_text()]
print(len(turns), flush=True)
seg = S.Segmenter(S.PACKAGED_SPACY_MODEL)
seg.nlp
t = time.process_time(); a = [[(s.text, s.start) for s in segs] for segs in seg.segment(turns)]; ta = time.process_time() - t
VERBS = {"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"}
def clause_starts(sent):
    starts = []
    for tok in sent:
        if tok.dep_ != "conj" or tok.tag_ not in VERBS or tok.head.i >= tok.i:
            continue
        own_subject = any(c.dep_ in S._SUBJECTS for c in tok.children)
        ccs = [c for c in tok.head.children if c.dep_ == "cc" and c.i < tok.i and c.lower_ in S._CLAUSE_CC]
        if own_subject or any(c.lower_ == "but" for c in ccs):
            start = min([tok.left_edge.i] + [c.i for c in ccs if c.i > tok.head.i])
            if start > sent.start:
                starts.append(start)
    return sorted(set(starts))
S.clause_starts = clause_starts
orig_pipe = seg.nlp.pipe
def pipe(texts, batch_size, disable):
    return orig_pipe(texts, batch_size=batch_size, disable=list(disable) + ["attribute_ruler"])
seg.nlp.pipe = pipe
t = time.process_time(); b = [[(s.text, s.start) for s in segs] for segs in seg.segment(turns)]; tb = time.process_time() - t
diff = [(x, y) for x, y in zip(a, b) if x != y]
print(f"before {ta:.1f}s after {tb:.1f}s; turns differing {len(diff)} of {len(turns)}; segments {sum(map(len,a))} vs {sum(map(len,b))}")
for x, y in diff[:8]: print(x, "\n   ->", y)
