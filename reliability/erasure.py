"""Erasure: mine the bundled corpus plus a file of customer tickets with the CLI, forget one dataset
(`touchpoints forget --dataset survey.csv`) and one customer (`--customer`), then look for what was forgotten in
the database files, `touchpoints top`, the HTML report, the exports and the CLI's output (must be 0), and check
that every run's stored counts equal its rows. The database is read twice: its rows through SQLite, and its files'
bytes (`read_database`). Then the same customer over the API (`api_erasure`): the tickets and a chat export whose
turns the customer's id labels uploaded, mined by a run, forgotten with POST /v1/erasures, and the id looked for in
the server's main (control) database, the workspace's, the uploads left on disk and the server's log."""

from __future__ import annotations

import csv
import html
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from api.testing import ROOT
from reliability.checks import _cli, _without_library

CORPUS = ROOT / "corpora" / "food_delivery"
DATASET = "survey.csv"
CUSTOMER = "FK-20931"
TICKETS = [  # written for this check: a customer named by a column, in the text, or as the ticket id
    ("T-1001", CUSTOMER, "My order arrived two hours late and the driver never called, for the third week running."),
    ("T-1002", "FK-55012", "The app charged my card twice for a single pizza and support keeps closing my ticket."),
    ("T-1003", "FK-31887", "Refund promised ten days ago still not on my statement, nobody answers the chat."),
    ("T-1004", "FK-77120", "Cold noodles again and the bag was ripped open when it reached my door."),
    (
        "T-1005",
        "-",
        f"Customer {CUSTOMER} here: the promo code vanished at checkout and the price jumped by four pounds.",
    ),
    ("T-1006", "FK-55012", "Driver left the food at the wrong flat and the tracking map showed him miles away."),
    (CUSTOMER, "-", "Voucher expired a day after you sent it, which feels like a trick to stop me using it."),
    ("T-1008", CUSTOMER, "Substituted my vegan curry with a chicken one without asking, I could not eat anything."),
]
_PROBE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+){4,}")


def _copy_corpus(folder: Path, max_rows: int | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("reviews.csv", "survey.csv"):
        with (CORPUS / name).open(encoding="utf-8", newline="") as src, (folder / name).open("w", newline="") as out:
            rows = list(csv.reader(src))
            csv.writer(out).writerows(rows[: None if max_rows is None else max_rows + 1])
    lines = (CORPUS / "chats.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "chats.jsonl").write_text("\n".join(lines[:max_rows]) + "\n", encoding="utf-8")
    with (folder / "tickets.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ticket_id", "customer_id", "created", "message"])
        writer.writerows((t, c, f"2025-11-{i + 3:02d}", m) for i, (t, c, m) in enumerate(TICKETS))


def _probes(db, forgotten: list[str]) -> list[str]:  # noqa: ANN001 - sqlite_utils.Database
    """A five-word run of letters from each forgotten text that no remaining item holds (it must vanish)."""
    sql = "SELECT text || ' ' || coalesce(title, '') || ' ' || coalesce(meta, '') FROM documents"
    kept = "\n".join(r[0] for r in db.execute(sql)).lower()
    out = []
    for text in forgotten:
        match = _PROBE.search(text)
        if match and match.group(0).lower() not in kept:
            out.append(match.group(0))
    return sorted(set(out))


def _count_mismatches(db) -> int:  # noqa: ANN001 - sqlite_utils.Database
    bad = 0
    for run in db.query("SELECT * FROM runs WHERE status = 'complete'"):
        n, complaints = db.execute("SELECT COUNT(*), coalesce(SUM(complaint), 0) FROM segment_results WHERE run_id = ?",
                                   [run["id"]]).fetchone()  # fmt: skip
        bad += (run["segments"], run["complaints"]) != (n, complaints)
        sql = """SELECT COUNT(*) FROM pain_points p WHERE p.run_id = ? AND p.complaints !=
                 (SELECT COUNT(*) FROM assignments a WHERE a.run_id = p.run_id AND a.pain_point_id = p.id)"""
        bad += db.execute(sql, [run["id"]]).fetchone()[0]
    return bad


def erasure_test(workdir: Path, *, embedding_model: str = "fake", max_rows: int | None = None) -> dict:
    from miner.store import open_db
    from miner.store.erasure import documents_of_customer

    start = time.monotonic()
    shutil.rmtree(workdir, ignore_errors=True)
    corpus, db_path, log = workdir / "corpus", workdir / "erasure.db", workdir / "cli.log"
    _copy_corpus(corpus, max_rows)
    _cli("mine", str(corpus), "--db", str(db_path), "--embedding-model", embedding_model, log=log)
    db = open_db(db_path)
    dataset_docs = [r[0] for r in db.execute("SELECT text FROM documents WHERE source = ?", [DATASET])]
    customer_docs = [db["documents"].get(i)["text"] for i in documents_of_customer(db, CUSTOMER)]
    db.close()
    forget_out = _cli("forget", "--db", str(db_path), "--dataset", DATASET, log=log)
    forget_out += _cli("forget", "--db", str(db_path), "--customer", CUSTOMER.lower(), log=log)
    top = _cli("top", "--db", str(db_path), "--limit", "50", "--format", "json", log=log)
    report, exports = workdir / "report.html", [workdir / "pain_points.csv", workdir / "assignments.csv"]
    said = forget_out + _cli("report", "--db", str(db_path), "--out", str(report), log=log)
    for out in exports:
        said += _cli("export", "--db", str(db_path), "--format", "csv", "--table", out.stem, "--out", str(out), log=log)
    said += _cli("export", "--db", str(db_path), "--format", "xlsx", "--out", str(workdir / "export.xlsx"), log=log)
    db = open_db(db_path)
    probes = _probes(db, dataset_docs + customer_docs)
    rows, raw = read_database(db_path)
    stored = found_in_database(rows, raw, CUSTOMER)
    places = {
        "database": rows + "\n" + raw.decode("utf-8", "replace"),
        "top": top,
        "report": html.unescape(_without_library(report.read_bytes()).decode("utf-8", "replace")),
        "exports": "".join(p.read_text(encoding="utf-8") for p in exports) + _xlsx_text(workdir / "export.xlsx"),
    }
    places["report"] = _json_unescaped(places["report"])
    places["cli_output"] = said  # what the CLI printed from the erasure on
    traces = {where: sum(p in text for p in probes) for where, text in places.items()}
    value = _as_word(CUSTOMER)
    value_found = {where: len(value.findall(text)) for where, text in places.items()}
    value_found["database"] = max(stored.values())  # both read the live rows: a sum would count a copy twice
    return {
        "api": api_erasure(workdir / "api", corpus / "tickets.csv"),
        "documents": {"dataset": len(dataset_docs), "customer": len(customer_docs)},
        "forget_output": forget_out.strip().splitlines(),
        "probes": len(probes),
        "traces": traces,
        "customer_value_found": value_found,
        "customer_value_in_database": stored,
        "count_mismatches": _count_mismatches(db),
        "seconds": round(time.monotonic() - start, 1),
    }


CHATS = [  # a chat export that labels the customer's turns by their id, as a CRM's chat log may
    {"conversation_id": "C9001", "customer_id": CUSTOMER, "started_at": "2025-11-04T19:02:00",
     "transcript": f"{CUSTOMER}: The rider left my curry at the wrong flat again tonight\nAgent: I am sorry, the "
                   f"delivery fee is refunded.\n{CUSTOMER}: A refunded fee is not dinner, the whole order was lost"},
    {"conversation_id": "C9002", "customer_id": "FK-55012", "started_at": "2025-11-05T12:40:00",
     "transcript": "Customer: My card was charged twice for one pizza\nAgent: I can see both charges, one of them "
                   "will be reversed today."},
]  # fmt: skip


def api_erasure(workdir: Path, tickets: Path) -> dict:
    """The customer forgotten over the API: `tickets` and the chats (`customer_speaker` their id) uploaded, a run, POST
    /v1/erasures; the id then counted in the main database (the datasets' rows, their column options, rejected rows
    and the jobs' errors), the workspace's, the uploads left and the server log, read while the server runs (its
    write-ahead logs as they are). The fake embedder: what is stored where, not quality."""
    import json

    from api.testing import serve, wait_for_run

    workdir.mkdir(parents=True, exist_ok=True)
    chats = "".join(json.dumps(c) + "\n" for c in CHATS).encode()
    main = workdir / "main.db"
    with serve(main, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        with server.client(server.key("erasure")) as client:
            for name, body, params in (("tickets.csv", tickets.read_bytes(), {}),
                                       ("chats.jsonl", chats, {"customer_speaker": [CUSTOMER]})):  # fmt: skip
                client.post("/v1/datasets", params=params, files={"file": (name, body)}).raise_for_status()
            final, _ = wait_for_run(client, client.post("/v1/runs", json={}).json()["id"])
            erased = client.post("/v1/erasures", json={"customer": CUSTOMER.lower()})
            erased.raise_for_status()
            workspace = workdir / "main.workspaces" / "erasure.db"
            found = {where: max(found_in_database(*read_database(path), CUSTOMER).values())
                     for where, path in (("main_database", main), ("workspace_database", workspace))}  # fmt: skip
            left = b"".join(p.read_bytes() for p in workspace.with_suffix(".uploads").rglob("*") if p.is_file())
        found["uploads"] = len(_as_word(CUSTOMER).findall(left.decode("utf-8", "replace")))
        found["server_log"] = len(_as_word(CUSTOMER).findall(server.log.read_text("utf-8", "replace")))
    return {"run": final["status"], "documents": erased.json()["documents"], "customer_value_found": found}


def _as_word(value: str) -> re.Pattern[str]:
    """The value as a whole id: FK-209310 is another customer's, so it is not FK-20931."""
    return re.compile(rf"(?<![\w-]){re.escape(value)}(?![\w-])", re.IGNORECASE)


def read_database(path: Path) -> tuple[str, bytes]:
    """The database at `path` read twice: every value of every table through SQLite, as text (JSON meta with its
    \\u escapes read back), and its files' bytes, which add what only they hold: freed pages and the write-ahead
    log or journal (erasure zeroes deleted rows with secure_delete and checkpoints the log; this checks it did)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db = sqlite_utils.Database(connection)
        values = (_as_text(v) for name in db.table_names() for row in db.table(name).rows for v in row.values())
        rows = _json_unescaped("\n".join(v for v in values if v))
    finally:
        connection.close()
    return rows, b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.name}*")))


def found_in_database(rows: str, raw: bytes, value: str) -> dict[str, int]:
    """Copies of `value` in a database's `rows` (each value searched as a whole id) and in its files' `bytes`.

    In the file SQLite packs a row's values side by side with nothing between them ("tickets.csvFK-20931review"),
    so a whole-word search of the bytes misses a value still stored: the rows are the exact count. In the bytes
    the id counts wherever no digit follows it (a longer id of another customer goes on with a digit, while a
    letter or a sign is the next value's start); nothing is asked of what comes before, the previous value's end."""
    in_bytes = re.compile(re.escape(value.encode()) + rb"(?![0-9])", re.IGNORECASE)
    return {"rows": len(_as_word(value).findall(rows)), "bytes": len(in_bytes.findall(raw))}


def _as_text(value: object) -> str:
    """A stored value as text (a BLOB as UTF-8 where it is, NULL as nothing), for the search of the rows."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)


def _json_unescaped(text: str) -> str:
    """The report's embedded JSON writes some characters as \\uXXXX: read them back so a probe still matches."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def rows(e: dict, row: Callable[..., str]) -> list[str]:
    """The section's rows of docs/reliability.md."""
    where = ("database", "top", "report", "exports", "cli_output")
    found = " / ".join(str(e["traces"][k]) for k in where)
    value = " / ".join(str(e["customer_value_found"][k]) for k in where)
    return [
        row(
            "erasure: documents forgotten (dataset / customer), phrases looked for",
            f"{e['documents']['dataset']} / {e['documents']['customer']}, {e['probes']}",
        ),  # fmt: skip
        row("**forgotten phrases in db / top / report / exports / CLI output**", f"**{found}**", "0 / 0 / 0 / 0 / 0"),
        row("**forgotten customer id found (same places)**", f"**{value}**", "0 / 0 / 0 / 0 / 0"),
        row("runs whose stored counts differ from their rows after erasure", e["count_mismatches"], "0"),
        row(
            "**forgotten customer id found after POST /v1/erasures (main db / workspace db / uploads / server log)**",
            # figures kept from a run before this row existed have none: `--only pii` crashed rendering them
            f"**{' / '.join(str(n) for n in e['api']['customer_value_found'].values())}**"
            if "api" in e
            else "not measured in the kept figures: run the erasure section",
            "0 / 0 / 0 / 0",
        ),
    ]
