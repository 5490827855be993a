"""The name pre-filter before and after (docs/lab/names.md): PII recall on tests/data/pii_labelled.txt by kind,
and on a sample of airline conversations the PERSON spans each filter finds, the share of characters NER reads
and the CPU seconds of the name finder, side by side with one spaCy model.

    python bench/names_lab.py --before REV [--n 2000] [--seed 7] [--lost]
    python bench/names_lab.py --plain [--n 2000] [--seed 7] [--file CSV]
    python bench/names_lab.py --opener [--n 2000] [--seed 7] [--file CSV]
    python bench/names_lab.py --left [--n 2000] [--seed 7] [--lost]
    python bench/names_lab.py --dump FILE [--n 2000] [--seed 7]; python bench/names_lab.py --diff BEFORE AFTER [--lost]

`--before` is the git revision whose miner/segment/namefilter.py is the baseline (ba4cef9 for docs/lab/names.md).
`--lost` prints the spans one filter finds and the other does not, each with its context's letters masked (for
reading only: the sample's text must not be copied into the repository). `--plain` compares `PresidioNames.find`
with and without dropping NER's persons that are plain English words (namefilter.plain_word; section 6) on the
labelled sample, the demo corpus's reviews and survey answers, the airline sample (in batches of 500, as the import
redacts) and any `--file`, and prints what it drops. `--opener` does the same for a given name opening a sentence
as a word (the batch's before fix-vocab, the text's own or an everyday word since: "Bill went up",
presidio.opens_as_a_word; section 10).
`--left` redacts the airline sample as the import does (`redact_records`, batches of 500) and counts the given names
(data/first_names.txt, not a common word of the batch) left in the stored text, by where they stand: after a
signature mark, in the place of an address (a comma or a full stop beside it), elsewhere (section 8); `--lost`
prints each with its context masked. `--dump` writes every span `Redactor().spans` gives (patterns and names, batches
of 500) on the labelled sample, the demo corpus and the airline sample to FILE and prints the labelled recall; run it
from two checkouts and `--diff` counts the spans by label in each and prints those one has and the other not, the
airline's masked with `--lost` (section 11)."""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AIRLINE = ROOT.parent / "shared" / "datasets" / "raw" / "twcs_airline_conversations.csv"  # as bench/run.py
PIECE = 500  # records per batch, as miner/pipeline/overlap.py redacts them


def _module_at(rev: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{rev}:miner/segment/namefilter.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout  # fmt: skip
    module = types.ModuleType("namefilter_before")
    exec(compile(source, "namefilter_before", "exec"), module.__dict__)  # noqa: S102 - the project's own file
    return module


def _finder(module: Any, analyzer: Any) -> Any:
    """A PresidioNames whose windows come from `module`, counting the characters NER reads."""
    from miner.segment.presidio import PresidioNames

    names = PresidioNames()
    names.analyzer_ = analyzer
    names.read_ = 0

    def parts(texts: list[str], todo: list[int], _: Any = None) -> list[tuple[int, int, int]]:
        if hasattr(module, "PlainWords"):  # each text its own words and the model's, as find reads (section 14)
            vocabulary = {i: module.Vocabulary([texts[i]], names._plain_word) for i in todo}
        else:  # an earlier filter read the batch's words
            vocabulary = dict.fromkeys(todo, module.Vocabulary(texts))
        out = [
            (i, a, b)
            for i in todo
            for a, b in module.windows(texts[i], module.name_candidates(texts[i], vocabulary[i]))
        ]
        names.read_ += sum(b - a for _, a, b in out)
        return out

    names._parts = parts
    return names


def _labelled(finders: dict[str, Any]) -> None:
    from miner.segment.pii import Redactor
    from reliability.pii import load_sample, recall_by_kind

    items = load_sample()[0]
    for label, finder in finders.items():
        score = recall_by_kind(items, Redactor(names=finder).spans([t for t, _ in items]))
        kinds = {k: v["recall"] for k, v in score["by_kind"].items()}
        print(f"labelled {label}: recall {score['recall']} {kinds} false positives {score['false_positives']} "
              f"{score['false_positive_examples']}")  # fmt: skip


def _masked(text: str, start: int, end: int) -> str:
    context = re.sub(r"[A-Za-z]", "x", text[max(0, start - 30) : start]) + "[NAME]" + text[end : end + 20]
    return context.replace("\n", " ")


def _airline(finders: dict[str, Any], n: int, seed: int, show_lost: bool) -> None:
    from miner.ingest import read_file

    records = random.Random(seed).sample(read_file(AIRLINE), n)
    texts = [r.text for r in records]
    found: dict[str, list] = {}
    for label, finder in finders.items():
        start = time.process_time()
        found[label] = [s for i in range(0, n, PIECE) for s in finder.find(texts[i : i + PIECE])]
        cpu = time.process_time() - start
        spans = sum(map(len, found[label]))
        share = finder.read_ / sum(map(len, texts))
        print(f"airline {label}: {spans} PERSON spans, NER reads {share:.1%} of {sum(map(len, texts))} chars, "
              f"CPU {cpu:.1f} s")  # fmt: skip
    before, *others = finders
    for label in others:
        for a, b in ((before, label), (label, before)):
            gone = [(i, s, e) for i, (x, y) in enumerate(zip(found[a], found[b], strict=True)) for s, e, _ in x
                    if not any(s < e2 and s2 < e for s2, e2, _ in y)]  # fmt: skip
            print(f"  spans {a} finds and {b} does not: {len(gone)}")
            if show_lost:
                for i, s, e in gone:
                    print(f"    {texts[i][s:e]!r:>24}  {_masked(texts[i], s, e)!r}")


def _rule(name: str, n: int, seed: int, extra: list[str]) -> None:
    """`PresidioNames.find` with and without presidio's rule `name` on NER's persons, batches of PIECE texts."""
    import csv

    import miner.segment.presidio as presidio
    from miner.ingest import read_file
    from reliability.pii import load_sample

    names, rule = presidio.PresidioNames(), getattr(presidio, name)

    def find(texts: list[str]) -> list:
        return [s for i in range(0, len(texts), PIECE) for s in names.find(texts[i : i + PIECE])]

    def compare(label: str, texts: list[str], mask: bool) -> None:
        setattr(presidio, name, lambda *_: False)
        without = find(texts)
        setattr(presidio, name, rule)
        kept = find(texts)
        for text, a, b in zip(texts, without, kept, strict=True):
            for s, e, _ in sorted(set(a) - set(b)):
                print(f"    {text[s:e]!r:>16}  {_masked(text, s, e) if mask else text[max(0, s - 30) : e + 20]!r}")
        print(f"{label}: PERSON spans {sum(map(len, without))} without the rule, {sum(map(len, kept))} with it")

    compare("labelled", [t for t, _ in load_sample()[0]], mask=False)
    demo = ROOT / "corpora" / "food_delivery"
    with (demo / "reviews.csv").open(encoding="utf-8") as f:
        texts = [f"{r['title']}\n\n{r['review']}" for r in csv.DictReader(f)]
    with (demo / "survey.csv").open(encoding="utf-8") as f:
        texts += [r["comment"] for r in csv.DictReader(f)]
    compare("demo reviews and survey", texts, mask=False)
    records = random.Random(seed).sample(read_file(AIRLINE), n)
    compare(f"airline sample of {n}", [r.text for r in records], mask=True)
    for path in extra:
        compare(path, [r.text for r in read_file(path)], mask=False)


def _left(n: int, seed: int, show: bool) -> None:
    from collections import Counter

    from miner.ingest import read_file
    from miner.segment.namefilter import Vocabulary, common_words, is_given_name
    from miner.segment.pii import Redactor, redact_records
    from miner.segment.presidio import PresidioNames

    records = random.Random(seed).sample(read_file(AIRLINE), n)
    before = [r.text for r in records]
    redactor = Redactor(names=PresidioNames())
    names, left, where = 0, Counter(), Counter()
    for i in range(0, n, PIECE):
        redact_records(records[i : i + PIECE], redactor)
        vocabulary = Vocabulary(before[i : i + PIECE])

        def given(word: str, vocabulary: Vocabulary = vocabulary) -> bool:
            return is_given_name(word) and not vocabulary.common(word) and word.lower() not in common_words()

        names += sum(given(m.group(0)) for t in before[i : i + PIECE] for m in re.finditer(r"\b[A-Z][a-z]+\b", t))
        for record in records[i : i + PIECE]:
            text = record.text
            for m in re.finditer(r"\b[A-Z][a-z]+\b", text):
                if not given(m.group(0)):
                    continue
                left[m.group(0)] += 1
                mark = text[max(0, m.start() - 2) : m.start()]
                beside = text[max(0, m.start() - 3) : m.start()] + text[m.end() : m.end() + 1]
                where[
                    "signature" if re.search(r"[\^*~-]", mark) else "address" if re.search(r"[,.]", beside) else "other"
                ] += 1
                if show:
                    print(f"    {m.group(0)!r:>14}  {_masked(text, m.start(), m.end())!r}")
    print(f"given names in the airline sample of {n}: {names}; left in the stored text: {sum(left.values())} "
          f"{dict(where)}; most often {left.most_common(15)}")  # fmt: skip


def _dump(path: str, n: int, seed: int) -> None:
    import json

    from miner.ingest import read_file
    from miner.segment.pii import Redactor
    from reliability.pii import load_sample, recall_by_kind

    redactor = Redactor()
    items = load_sample()[0]
    score = recall_by_kind(items, redactor.spans([t for t, _ in items]))
    print(f"labelled: recall {score['recall']} {({k: v['recall'] for k, v in score['by_kind'].items()})} "
          f"false positives {score['false_positives']} {score['false_positive_examples']}")  # fmt: skip
    demo = [r.text for f in sorted((ROOT / "corpora" / "food_delivery").glob("*.*[lv]")) for r in read_file(f)]
    corpora = {"labelled": [t for t, _ in items], "demo": demo,
               "airline": [r.text for r in random.Random(seed).sample(read_file(AIRLINE), n)]}  # fmt: skip
    out = {name: [[t, s] for i in range(0, len(texts), PIECE)
                  for t, s in zip(texts[i : i + PIECE], redactor.spans(texts[i : i + PIECE]), strict=True)]
           for name, texts in corpora.items()}  # fmt: skip
    Path(path).write_text(json.dumps(out), encoding="utf-8")


def _diff(before: str, after: str, show: bool) -> None:
    import json
    from collections import Counter

    a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (before, after))
    for name in a:
        count = [Counter(label for _, spans in x[name] for *_, label in spans) for x in (a, b)]
        print(f"{name}: before {dict(sorted(count[0].items()))}; after {dict(sorted(count[1].items()))}")
        for label, one, other in (("lost", a, b), ("gained", b, a)):
            for (text, spans), (_, others) in zip(one[name], other[name], strict=True):
                for s, e, kind in spans:
                    if [s, e, kind] not in others:
                        shown = _masked(text, s, e) if name == "airline" else text[max(0, s - 30) : e + 20]
                        if show or name != "airline":
                            print(f"  {label} {kind} {text[s:e]!r:>24}  {shown!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", help="git revision of the baseline namefilter.py")
    parser.add_argument("--plain", action="store_true", help="NER's persons that are plain words, with and without")
    parser.add_argument("--opener", action="store_true", help="given names opening a sentence as a plain word, "
                        "with and without")  # fmt: skip
    parser.add_argument("--file", action="append", default=[], help="with --plain or --opener: a feedback file too")
    parser.add_argument("--left", action="store_true", help="given names left in the redacted airline sample")
    parser.add_argument("--dump", help="write every span of the redactor on the three samples to this JSON file")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two --dump files")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lost", action="store_true", help="print the spans one filter finds and the other not")
    args = parser.parse_args(argv)
    if args.plain or args.opener:
        return _rule("plain_word" if args.plain else "opens_as_a_word", args.n, args.seed, args.file)
    if args.left:
        return _left(args.n, args.seed, args.lost)
    if args.dump:
        return _dump(args.dump, args.n, args.seed)
    if args.diff:
        return _diff(*args.diff, args.lost)
    if not args.before:
        parser.error("--before REV, --plain, --opener or --left")
    from miner.segment import namefilter
    from miner.segment.presidio import PresidioNames

    analyzer = PresidioNames()._load()
    finders = {"before": _finder(_module_at(args.before), analyzer), "after": _finder(namefilter, analyzer)}
    _labelled(finders)
    _airline(finders, args.n, args.seed, args.lost)


if __name__ == "__main__":
    sys.exit(main())
