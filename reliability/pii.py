"""PII leaks end to end (`python -m reliability --only pii`).

The labelled sample (tests/data/pii_labelled.txt: texts, and `meta:` lines of other fields) is written into a CSV,
a JSON and an XLSX file with PII everywhere a file can hold it: the text, the title, meta values of every type
(numbers, lists, nested objects, URLs), the row id, a bad date cell (a phone number where the date goes) and the
file name. They are mined with the CLI (`--on-error skip`), reported and exported, and uploaded to a real server
and mined there. Every planted value is then searched for in the CLI's database, output, report and exports, and
in the server's responses, databases and log: each one found is a leak (target 0). Recall per kind, and spans
redacted where the sample marks none (false positives), come from the redactor on the sample's texts."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path
from urllib.parse import quote

from api.testing import ROOT, serve, wait_for_run
from reliability.checks import _cli, _without_library

SAMPLE = ROOT / "tests" / "data" / "pii_labelled.txt"
MARK = re.compile(r"\{([A-Z]+)\|([^}]*)\}")
Span = tuple[int, int, str]
FILE_OWNER = "file.owner@example.org"  # planted in every file name
DATASET_NAME = "uploads of dana.fox@example.org"


def load_sample(path: Path = SAMPLE) -> tuple[list[tuple[str, list[Span]]], list[tuple[dict, list[tuple[str, str]]]]]:
    """(text, gold spans) per text line, and (meta object, [(label, value)]) per `meta:` line."""
    texts, metas = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("meta:"):
            raw = line.removeprefix("meta:")
            metas.append((json.loads(MARK.sub(lambda m: m.group(2), raw)), MARK.findall(raw)))
            continue
        text, spans, pos = "", [], 0
        for m in MARK.finditer(line):
            text += line[pos : m.start()]
            spans.append((len(text), len(text) + len(m.group(2)), m.group(1)))
            text += m.group(2)
            pos = m.end()
        texts.append((text + line[pos:], spans))
    return texts, metas


def recall_by_kind(items: list[tuple[str, list[Span]]], predicted: list[list[Span]], min_cover: float = 0.8) -> dict:
    """Recall per kind (a gold span is found when predicted spans cover `min_cover` of its characters) and the
    predicted spans that touch no gold span (false positives)."""
    by_kind: dict[str, list[int]] = {}
    false_positives: list[str] = []
    for (text, gold), pred in zip(items, predicted, strict=True):
        covered = {i for start, end, _ in pred for i in range(start, end)}
        for start, end, label in gold:
            chars = [i for i in range(start, end) if not text[i].isspace()]
            hit = sum(i in covered for i in chars) >= min_cover * len(chars)
            by_kind.setdefault(label, [0, 0])[0] += hit
            by_kind[label][1] += 1
        for start, end, _ in pred:
            if not any(start < g_end and g_start < end for g_start, g_end, _ in gold):
                false_positives.append(text[start:end])
    hits, total = sum(h for h, _ in by_kind.values()), sum(t for _, t in by_kind.values())
    kinds = {k: {"recall": round(h / t, 3), "spans": t} for k, (h, t) in sorted(by_kind.items())}
    return {"recall": round(hits / total, 3), "spans": total, "false_positives": len(false_positives),
            "false_positive_examples": false_positives[:10], "by_kind": kinds}  # fmt: skip


def _rows(texts: list[tuple[str, list[Span]]], metas: list[tuple[dict, list]]) -> tuple[list[dict], list[str]]:
    """One record per text line, with the meta lines spread over them, an email or a phone number as the id of
    some and a phone number in the date cell of every seventh. Returns the records and the planted values."""
    planted: list[str] = []
    rows = []
    for i, (text, _) in enumerate(texts):
        row: dict = {"id": f"r{i}", "date": "2026-03-02", "rating": 1, "text": text}
        if i % 4 == 1:
            row["id"] = f"cust{i}.id@mailbox.example"
        elif i % 11 == 2:
            row["id"] = 447700900000 + i  # a phone number as the id, a number in the XLSX and JSON
        if i % 5 == 0:
            row["title"] = f"Call me on 07700 90{i:04d}"
            planted.append(f"07700 90{i:04d}")
        if i % 7 == 0 and i >= len(metas):  # rows with meta must be stored, to be searched
            row["date"] = f"07700 91{i:04d}"  # rejected: its message must not quote it
            planted.append(row["date"])
        if i < len(metas):
            row.update(metas[i][0])
        if not str(row["id"]).startswith("r"):
            planted.append(str(row["id"]))
        rows.append(row)
    return rows, planted


def _planted_text_values(texts: list[tuple[str, list[Span]]]) -> tuple[list[str], list[str]]:
    """Values of the texts that the redactor removes (must appear nowhere), and those it misses (recall)."""
    from miner.segment.pii import default_redactor

    found, missed = [], []
    redacted = default_redactor().redact_many([t for t, _ in texts])
    for (text, spans), red in zip(texts, redacted, strict=True):
        for start, end, _ in spans:
            (missed if text[start:end] in red else found).append(text[start:end])
    return found, missed


def write_files(workdir: Path, rows: list[dict]) -> list[Path]:
    """The records as CSV (flat), JSON (nested meta kept) and XLSX (numbers as numbers), one third each."""
    from openpyxl import Workbook

    workdir.mkdir(parents=True, exist_ok=True)
    thirds = [rows[i::3] for i in range(3)]
    paths = [workdir / f"orders-{FILE_OWNER}.{ext}" for ext in ("csv", "json", "xlsx")]
    flat = [{k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in r.items()} for r in thirds[0]]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    with paths[0].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(flat)
    paths[1].write_text(json.dumps(thirds[1], ensure_ascii=False), encoding="utf-8")
    book = Workbook()
    sheet = book.active
    columns = list(dict.fromkeys(k for r in thirds[2] for k in r))
    sheet.append(columns)
    for r in thirds[2]:
        sheet.append([json.dumps(v) if isinstance(v, dict | list) else v for v in (r.get(c) for c in columns)])
    book.save(paths[2])
    return paths


def _blob(path: Path) -> bytes:
    """A file's bytes; an XLSX's unzipped parts, where the cell text lives."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return b"".join(z.read(n) for n in z.namelist())
    if path.suffix == ".html":
        return _without_library(path.read_bytes())
    return path.read_bytes()


def _database(paths: list[Path]) -> bytes:
    """Each database as SQL text (in the file, column values lie side by side with nothing between them, so a
    whole-word search of the raw bytes can miss one), then its raw bytes, WAL included (freed pages too)."""
    dumps = []
    for path in sorted(p for p in paths if p.suffix == ".db"):
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dumps.append("\n".join(con.iterdump()).encode())
        finally:
            con.close()
    return b"\n".join(dumps + [p.read_bytes() for p in paths])


def _pattern(value: str) -> re.Pattern[bytes]:
    """The value as a whole word ("Ben" is not found in "Bengal"), also with %40 as @; and percent-encoded as a
    query string would carry it (`?name=...dana.fox%40example.org`), anywhere."""
    forms = sorted({value, value.replace("%40", "@")})
    word = rb"(?<![A-Za-z0-9])(?:" + b"|".join(re.escape(f.encode()) for f in forms) + rb")(?![A-Za-z0-9])"
    encoded = quote(value.replace("%40", "@"), safe="").encode()
    return re.compile(word + (b"|" + re.escape(encoded) if encoded != value.encode() else b""))


def find_leaks(planted: list[str], places: dict[str, bytes]) -> dict[str, list[str]]:
    """Planted values found in each place."""
    patterns = {value: _pattern(value) for value in sorted(set(planted))}
    return {where: [v for v, p in patterns.items() if p.search(blob)] for where, blob in places.items()}


def mine_with_cli(workdir: Path, paths: list[Path], embedding_model: str = "fake") -> dict[str, bytes]:
    """Mine, report and export with the CLI; returns what each place holds."""
    db, log = workdir / "pii.db", workdir / "cli.log"
    for old in [*workdir.glob("pii.db*"), log]:
        old.unlink(missing_ok=True)
    _cli("mine", *map(str, paths), "--db", str(db), "--embedding-model", embedding_model, "--on-error", "skip",
         log=log)  # fmt: skip
    _cli("top", "--db", str(db), "--limit", "50", log=log)
    outputs = [workdir / "report.html"]
    _cli("report", "--db", str(db), "--out", str(outputs[0]), log=log)
    for fmt, table in (("csv", "assignments"), ("csv", "pain_points"), ("xlsx", "pain_points")):
        outputs.append(workdir / f"export_{table}.{fmt}")
        _cli("export", "--db", str(db), "--format", fmt, "--table", table, "--out", str(outputs[-1]), log=log)
    return {
        "database": _database(list(workdir.glob("pii.db*"))),
        "cli output": log.read_bytes(),
        "report": _blob(outputs[0]),
        "exports": b"".join(_blob(p) for p in outputs[1:]),
    }


def mine_with_api(workdir: Path, paths: list[Path]) -> dict[str, bytes]:
    """Upload the files to a real server, mine them there, read every route that shows data; returns the
    responses, the server's databases (not the uploaded files, which are the dataset as sent) and its log."""
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "server.db"
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}
    bodies: list[bytes] = []
    with serve(db, env) as server, server.client(server.key("pii")) as client:
        files = [("file", (p.name, p.read_bytes())) for p in paths]
        resp = client.post("/v1/datasets", params={"name": DATASET_NAME}, files=files)
        bodies.append(resp.content)
        dataset = resp.json()
        run = client.post("/v1/runs", json={"dataset_id": dataset["id"]})
        bodies.append(run.content)
        final, seen = wait_for_run(client, run.json()["id"])
        bodies += [json.dumps(s).encode() for s in seen]
        points = client.get("/v1/pain-points", params={"limit": 100})
        bodies.append(points.content)
        for pp in points.json().get("pain_points", []):
            bodies.append(client.get(f"/v1/pain-points/{pp['id']}/examples").content)
        for route in ("/v1/datasets", f"/v1/datasets/{dataset['id']}", "/v1/stats", "/v1/runs"):
            bodies.append(client.get(route).content)
        bodies.append(_without_library(client.get("/v1/report").content))  # plotly.js's word lists are not data
    stored = [p for p in workdir.rglob("*") if p.is_file() and ".uploads" not in str(p.relative_to(workdir))]
    return {
        "API responses": b"\n".join(bodies),
        "API databases": _database([p for p in stored if ".db" in p.name]),
        "API log": server.log.read_bytes(),
    }


def pii_leaks(workdir: Path, *, embedding_model: str = "fake", api: bool = True) -> dict:
    """The figures of the section: recall per kind and false positives on the sample's texts, and planted values
    found anywhere they could leak."""
    from miner.segment.pii import default_redactor

    texts, metas = load_sample()
    quality = recall_by_kind(texts, default_redactor().spans([t for t, _ in texts]))
    rows, planted = _rows(texts, metas)
    found, missed = _planted_text_values(texts)
    planted += found + [v for _, values in metas for _, v in values] + [FILE_OWNER, "dana.fox@example.org"]
    # every database new: a server's kept from an earlier run held the texts as that run's code redacted them, and
    # a name the redactor finds now ("Spoke with Aaliyah", read since 2026-12-07) was a leak there
    shutil.rmtree(workdir, ignore_errors=True)
    paths = write_files(workdir / "files", rows)
    places = mine_with_cli(workdir, paths, embedding_model)
    if api:
        places |= mine_with_api(workdir / "api", paths)
    leaks = find_leaks(planted, places)
    return {**quality, "planted_values": len(set(planted)), "text_values_missed_by_the_redactor": len(missed),
            "leaks": sum(len(v) for v in leaks.values()), "leaks_by_place": {k: len(v) for k, v in leaks.items()},
            "leak_examples": {k: v[:5] for k, v in leaks.items() if v}}  # fmt: skip
