"""Isolation between workspaces on a real server: every route tried with no key, and with another workspace's
ids in every id slot (path, query, body). Also: keys hashed at rest, upload names that try to escape their
folder, SQL-injection strings, and a static check that SQL built with f-strings only interpolates reviewed
structural fragments (placeholders, WHERE clauses of `?` parameters), never a request value."""

from __future__ import annotations

import ast
import json
import re
import secrets
from pathlib import Path

import httpx

from api.testing import ROOT, serve, wait_for_run

TRAVERSAL_NAMES = (
    "../../escape1.csv", "..\\..\\escape2.csv", "/tmp/escape3.csv", "....//....//escape4.csv", "%2e%2e%2fescape5.csv",
    "a/../../../escape6.csv", "..", ".csv", "~/escape7.csv", "C:\\Windows\\escape8.csv", "\u2025/escape9.csv",
)  # fmt: skip
INJECTIONS = ("' OR '1'='1", '" OR 1=1 --', "1; DROP TABLE documents; --", "%' UNION SELECT * FROM api_keys --")
PUBLIC = {"/healthz", "/readyz", "/", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
# Interpolations reviewed in SQL built with f-strings: each is a fragment of constant SQL or `?` placeholders.
REVIEWED_SQL_FRAGMENTS = {"where", "marks", "fsql", "JOIN", "','.join('?' * len(chunk))", "placeholders",
                          "', '.join(RUN_LIST_COLUMNS)",  # a module constant of column names (miner/store/runs.py)
                          "', '.join(columns)",  # list_runs: those constants, PROVENANCE's read from params
                          "rsql",  # a run's ` AND d.import_id <= ?` (miner/store/filters.py run_items)
                          "READ_SQL", "LANGUAGE_SQL", "ENGLISH_SQL",  # constant expressions of an item read
                          "cols", "columns", "column", "order", "clause", "seg",
                          # a kept value, whose JSON path is a `?` parameter (miner/store/filters.py KEPT_VALUE), and
                          # read_table.py's list of them, of conditions on them and their positions in a GROUP BY
                          "DOCUMENT_VALUE", "value_sql", "present_sql", "group_by"}  # fmt: skip
SQL_WORDS = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|WHERE)\b")


def _records(marker: str, n: int = 6) -> list[dict]:
    texts = ["The courier was late and the food was cold", "I was charged twice for one order",
             "The website hides the delivery fee", "Nobody answers the phone at the contact centre",
             "The app crashes at checkout", "The box arrived crushed"]  # fmt: skip
    return [{"id": f"{marker}-{i}", "date": f"2026-03-0{i + 1}", "rating": 1, "text": f"{t} {marker}"}
            for i, t in enumerate(texts[:n])]  # fmt: skip


def _workspace(server, name: str, marker: str) -> dict:
    key = server.key(name)
    with server.client(key) as client:
        ds = client.post("/v1/datasets", json={"name": f"{name}-data", "records": _records(marker)}).json()
        run = client.post("/v1/runs", json={"dataset_id": ds["id"]}).json()
        final, _ = wait_for_run(client, run["id"])
        points = client.get("/v1/pain-points?limit=50").json()["pain_points"]
        tax = client.get("/v1/taxonomy").json()
    return {"key": key, "dataset": ds["id"], "run": final["id"], "status": final["status"],
            "pain_point": points[0]["id"] if points else "none", "touchpoint": points[0]["touchpoint"] if points
            else "website", "taxonomy_version": tax.get("version", ""), "marker": marker}  # fmt: skip


def routes() -> list[tuple[str, str]]:
    """Every route of the app, from its OpenAPI schema, plus the HTML page outside it."""
    from api.main import create_app
    from api.settings import Settings

    schema = create_app(Settings(db=Path("/nonexistent/x.db"))).openapi()
    out = [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops]
    return sorted(out) + [("GET", "/")]


def _fill(path: str, other: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        for hint, key in (("dataset", "dataset"), ("run", "run"), ("pain", "pain_point"), ("touchpoint", "touchpoint")):
            if hint in name:
                return str(other[key])
        return str(other["dataset"])

    return re.sub(r"\{([^}]+)\}", value, path)


def _variants(method: str, path: str, other: dict) -> list[dict]:
    """Requests that carry the other workspace's ids in every slot the route has."""
    url = _fill(path, other)
    out = [{"url": url}]
    if method == "GET":
        out += [{"url": f"{url}?run={other['run']}"}, {"url": f"{url}?taxonomy_version={other['taxonomy_version']}"},
                {"url": f"{url}?dataset_id={other['dataset']}"}]  # fmt: skip
        out += [{"url": f"{url}?source={inj}"} for inj in INJECTIONS] + [{"url": f"{url}?touchpoint={INJECTIONS[0]}"}]
        out += [{"url": f"{url}?where=Market={inj}&by={inj}"} for inj in INJECTIONS]  # kept columns' JSON paths
    else:
        out += [{"url": url, "json": {"dataset_id": other["dataset"]}}, {"url": url, "json": {"run_id": other["run"]}}]
    return out


def _state(client: httpx.Client) -> str:
    """Everything a workspace can see of itself, to compare before and after the other's attempts."""
    parts = [client.get(p).text for p in ("/v1/datasets", "/v1/runs", "/v1/stats", "/v1/taxonomy",
                                          "/v1/pain-points?limit=200", "/v1/touchpoints")]  # fmt: skip
    return json.dumps([re.sub(r'"(created_at|finished_at|started_at)":"[^"]*"', "", p) for p in parts])


def _files_outside(root: Path, allowed: Path, since: set[Path]) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and p not in since and allowed not in p.parents)


def sql_fstrings() -> list[dict]:
    """Every f-string that builds SQL in miner/ and api/, with the expressions it interpolates."""
    found = []
    for path in sorted([*(ROOT / "miner").rglob("*.py"), *(ROOT / "api").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            if not SQL_WORDS.search(literal):
                continue
            exprs = [ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
            found.append({"file": str(path.relative_to(ROOT)), "line": node.lineno, "interpolates": exprs,
                          "unreviewed": [e for e in exprs if e not in REVIEWED_SQL_FRAGMENTS]})  # fmt: skip
    return found


def isolation_test(workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "iso.db"
    with serve(db, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_RATE_LIMIT": "0"}) as server:
        a = _workspace(server, "alpha", "ALPHA" + secrets.token_hex(4))
        b = _workspace(server, "beta", "BETA" + secrets.token_hex(4))
        tried = unauth_tried = unauth_open = leaks = server_errors = 0
        leak_examples: list[str] = []
        with server.client(a["key"]) as ca, server.client(b["key"]) as cb:
            before = _state(ca)
            for method, path in routes():
                if path in PUBLIC:
                    continue
                resp = httpx.request(method, server.url + _fill(path, a), json={})
                unauth_tried += 1
                unauth_open += resp.status_code != 401
                for req in _variants(method, path, a):
                    resp = cb.request(method, req["url"], json=req.get("json"))
                    tried += 1
                    server_errors += resp.status_code >= 500
                    # A's text anywhere, or A's ids in a success (a 404 may echo the id it was asked for).
                    ids = a["dataset"] in resp.text or a["run"] in resp.text
                    if a["marker"] in resp.text or (resp.status_code < 400 and ids):
                        leaks += 1
                        leak_examples.append(f"{method} {req['url']} -> {resp.status_code}")
            after = _state(ca)
            # Path traversal: upload names that try to leave the upload folder.
            existing = {p for p in workdir.rglob("*") if p.is_file()}
            traversal_statuses = []
            for name in TRAVERSAL_NAMES:
                body = b"id,text\n1,the food was cold\n"
                resp = cb.post("/v1/datasets", files={"file": (name, body, "text/csv")})
                traversal_statuses.append(resp.status_code)
            uploads = server.db.with_name("iso.workspaces") / "beta.uploads"
            outside = [p for p in _files_outside(workdir, uploads, existing)
                       if not p.endswith((".db", ".db-wal", ".db-shm", ".log"))]  # fmt: skip
        stored = b"".join(p.read_bytes() for p in workdir.rglob("*") if p.is_file() and ".db" in p.name)
        log = server.log.read_text(errors="replace")
    sql = sql_fstrings()
    return {
        "routes": len([r for r in routes() if r[1] not in PUBLIC]),
        "requests_with_other_ids": tried,
        "cross_workspace_reads": leaks,
        "cross_workspace_writes": int(before != after),
        "leak_examples": leak_examples[:5],
        "server_errors": server_errors,
        "unauthenticated_requests": unauth_tried,
        "unauthenticated_not_401": unauth_open,
        "keys_in_clear_at_rest": sum(stored.count(k["key"].encode()) for k in (a, b)),
        "keys_in_log": sum(log.count(k["key"]) for k in (a, b)),
        "traversal_uploads": len(TRAVERSAL_NAMES),
        "traversal_statuses": sorted(set(traversal_statuses)),
        "files_written_outside_upload_folder": len(outside),
        "outside_examples": outside[:5],
        "sql_fstrings": len(sql),
        "sql_fstrings_unreviewed": sum(len(s["unreviewed"]) for s in sql),
        "sql_unreviewed_examples": [s for s in sql if s["unreviewed"]][:5],
    }
