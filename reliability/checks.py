"""Exports, PII and limits.

- exports: mine a sample whose texts start with =, +, -, @ (and tab, CR), export CSV and XLSX, and count cells a
  spreadsheet would run as a formula (must be 0).
- PII: mine the team's labelled PII sample through the CLI, then look for every value the redactor removes in
  the database file, the CLI's output, the HTML report and the exports (must be 0); redaction recall too.
- limits: upload size, rows per import, text length and request rate each give their clear error."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from api.testing import ROOT, serve

PII_SAMPLE = ROOT / "tests" / "data" / "pii_labelled.txt"
SPAN = re.compile(r"\{([A-Z]+)\|([^}]*)\}")
FORMULA_TEXTS = [
    '=HYPERLINK("http://evil.example","refund") the courier never came',
    "+44 line kept me on hold for an hour and the food was cold",
    "-1 star, the app crashed at checkout twice",
    "@support never answered my complaint about the delivery fee",
    "\t=1+1 the website hides the delivery charge",
    "=cmd|' /C calc'!A0 I was charged twice for one order",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def labelled() -> list[tuple[str, list[tuple[str, str]]]]:
    items = []
    for line in PII_SAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "meta:")):  # meta lines: reliability/pii.py
            items.append((SPAN.sub(lambda m: m.group(2), line), SPAN.findall(line)))
    return items


def _cli(*args: str, log: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "miner", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    with log.open("a", encoding="utf-8") as fh:
        fh.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"touchpoints {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return proc.stdout + proc.stderr


def mine_sample(workdir: Path, *, embedding_model: str = "fake", pii_items: int | None = None) -> dict:
    """Mine the PII sample plus formula-starting texts with the CLI; export and report it. Returns the paths."""
    workdir.mkdir(parents=True, exist_ok=True)
    items = labelled()[:pii_items]
    sample = workdir / "pii_and_formulas.csv"
    with sample.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "rating", "text"])
        for i, (text, _) in enumerate(items):
            writer.writerow([f"p{i}", 1, text])
        for i, text in enumerate(FORMULA_TEXTS):
            writer.writerow([f"f{i}", 1, text])
    db, log = workdir / "sample.db", workdir / "cli.log"
    for path in (db, log):
        path.unlink(missing_ok=True)
    _cli("mine", str(sample), "--db", str(db), "--embedding-model", embedding_model, "--limit", "19", log=log)
    _cli("top", "--db", str(db), "--limit", "50", log=log)
    out = {"db": db, "log": log, "report": workdir / "report.html", "items": items}
    _cli("report", "--db", str(db), "--out", str(out["report"]), log=log)
    for fmt, table in (("csv", "assignments"), ("csv", "pain_points"), ("xlsx", "pain_points")):
        out[f"{fmt}_{table}"] = workdir / f"export_{table}.{fmt}"
        _cli("export", "--db", str(db), "--format", fmt, "--table", table, "--out", str(out[f"{fmt}_{table}"]), log=log)
    return out


def export_figures(mined: dict) -> dict:
    """Cells of the CSV and XLSX exports that a spreadsheet would treat as a formula."""
    from openpyxl import load_workbook

    cells = unsafe = neutralised = 0
    for key in ("csv_assignments", "csv_pain_points"):
        with mined[key].open(encoding="utf-8", newline="") as fh:
            for row in list(csv.reader(fh))[1:]:
                for value in row:
                    cells += 1
                    unsafe += value.startswith(FORMULA_START)
                    neutralised += value.startswith("'") and value[1:].startswith(FORMULA_START)
    book = load_workbook(mined["xlsx_pain_points"])
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cells += 1
                value = cell.value
                starts = isinstance(value, str) and value.startswith(FORMULA_START)
                unsafe += cell.data_type == "f" or (starts and not cell.quotePrefix)
                neutralised += starts and cell.quotePrefix  # a text cell with Excel's quote prefix: never a formula
    return {"export_cells": cells, "formula_cells": unsafe, "neutralised_cells": neutralised,
            "hostile_texts_mined": len(FORMULA_TEXTS)}  # fmt: skip


def pii_figures(mined: dict) -> dict:
    """Recall of the redactor on the sample, and redacted values found anywhere they should not be."""
    from miner.segment.pii import default_redactor

    items = mined["items"]
    redacted = default_redactor().redact_many([t for t, _ in items])
    spans = found = 0
    removed: set[str] = set()
    for (_, labels), red in zip(items, redacted, strict=True):
        for _, value in labels:
            spans += 1
            if value not in red:
                found += 1
                removed.add(value)
    places = {
        "database": b"".join(p.read_bytes() for p in mined["db"].parent.glob(mined["db"].name + "*")),
        "logs": mined["log"].read_bytes(),
        "report": _without_library(mined["report"].read_bytes()),
        "exports": b"".join(mined[k].read_bytes() for k in ("csv_assignments", "csv_pain_points")),
    }
    # a value of one or two characters ("KW" of a signature "^KW") turns up in the stored vectors' bytes by chance:
    # it is looked for in the database's text (its SQL dump, where a blob is hex) instead of its raw bytes
    with sqlite3.connect(mined["db"]) as conn:
        text = "\n".join(conn.iterdump()).encode()
    leaks = {
        where: sorted(v for v in removed if _word(v).search(text if where == "database" and len(v) < 3 else blob))
        for where, blob in places.items()
    }
    return {
        "pii_spans": spans,
        "pii_recall": round(found / spans, 3) if spans else 0.0,
        "redacted_values": len(removed),
        "redacted_values_found": {where: len(v) for where, v in leaks.items()},
        "leak_examples": {where: v[:3] for where, v in leaks.items() if v},
    }


def _word(value: str) -> re.Pattern[bytes]:
    """The value as a whole word ("Ben" is not found in "Bengal"); sqlite stores text as UTF-8."""
    return re.compile(rb"(?<![A-Za-z0-9])" + re.escape(value.encode()) + rb"(?![A-Za-z0-9])")


def _without_library(html: bytes) -> bytes:
    """The report without the inline plotly.js bundle, whose word lists ("Ben", a Mayan day) are not data."""
    parts = html.split(b"<script")
    return b"<script".join(p for p in parts if len(p) < 1_000_000)


def limits_figures(workdir: Path) -> dict:
    """Each limit on a server with small settings: the status, the error code and the message."""
    from miner.ingest.readers import MAX_FIELD

    workdir.mkdir(parents=True, exist_ok=True)
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_MAX_UPLOAD_BYTES": "3000000",
           "TOUCHPOINTS_MAX_ROWS": "50",
           "TOUCHPOINTS_RATE_LIMIT": "20"}  # fmt: skip
    out: dict = {}
    with serve(workdir / "limits.db", env) as server:
        with server.client(server.key("limits")) as client:
            big = b"id,text\n" + b"".join(b"%d,%s\n" % (i, b"cold " * 20_000) for i in range(31))
            resp = client.post("/v1/datasets", files={"file": ("big.csv", big, "text/csv")})
            out["upload_size"] = _limit(resp)
            rows = b"id,text\n" + b"".join(b"%d,cold\n" % i for i in range(60))
            out["rows_per_import"] = _limit(client.post("/v1/datasets", files={"file": ("rows.csv", rows, "text/csv")}))
            records = [{"id": "1", "text": "x" * (MAX_FIELD + 1)}, {"id": "2", "text": "the food was cold"}]
            resp = client.post("/v1/datasets", json={"records": records})
            body = resp.json()
            out["text_length"] = {
                "status": resp.status_code,
                "code": "rejected row",
                "message": (body.get("rejected") or [{}])[0].get("message", body.get("message", "")),
            }
            statuses = [client.get("/v1/stats") for _ in range(25)]
            limited = next((r for r in statuses if r.status_code == 429), None)
            out["request_rate"] = _limit(limited) if limited is not None else {"status": 200, "code": None}
            if limited is not None:
                out["request_rate"]["retry_after"] = limited.headers.get("retry-after")
    readme = (ROOT / "docs" / "guide" / "api.md").read_text(encoding="utf-8")  # the user guide's "Limits"
    section = readme.split("## Limits", 1)[1].split("\n## ", 1)[0] if "## Limits" in readme else ""
    out["documented"] = {name: name.replace("_", " ") in section for name in
                         ("upload_size", "rows_per_import", "text_length", "request_rate")}  # fmt: skip
    return out


def _limit(resp: httpx.Response) -> dict:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    return {"status": resp.status_code, "code": body.get("code"), "message": body.get("message", resp.text[:200])}
