"""Serving what the CLI mined: the API's main database refuses a database `touchpoints mine` wrote (it showed no
data: documents 0, latest_run null), and `touchpoints workspaces import` serves it as a workspace."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from api.testing import ROOT, serve

DATA = Path(__file__).parent / "data"


def touchpoints(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "miner", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout, env=env)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_mined_database_is_refused_as_the_main_one_and_served_once_imported(tmp_path):
    mined = tmp_path / "demo.db"
    touchpoints("mine", str(DATA / "reviews_small.csv"), "--db", str(mined), "--embedding-model", "fake",
                "--segmenter", "rules").check_returncode()  # fmt: skip
    documents = sqlite3.connect(mined).execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    refused = touchpoints("keys", "create", "--workspace", "acme", "--db", str(mined))
    assert refused.returncode == 2 and "touchpoints workspaces import" in refused.stderr, refused.stderr
    assert f"{documents} documents, 1 run" in refused.stderr
    assert "api_keys" not in tables(mined)  # nothing added to the miner's file
    served = touchpoints("serve", "--db", str(mined), "--port", "1", timeout=60)
    assert served.returncode == 2 and "workspaces import" in served.stderr, served.stderr

    main = tmp_path / "main.db"
    done = touchpoints("workspaces", "import", str(mined), "--workspace", "acme", "--db", str(main))
    assert done.returncode == 0 and "workspace 'acme'" in done.stdout, done.stderr
    again = touchpoints("workspaces", "import", str(mined), "--workspace", "acme", "--db", str(main))
    assert again.returncode == 2 and "already holds data" in again.stderr, again.stderr
    with serve(main, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake"}) as srv:
        with srv.client(srv.key("acme")) as client:
            stats = client.get("/v1/stats").json()
            assert stats["documents"] == documents and stats["latest_run"]["id"] == 1, stats
            assert client.get("/v1/runs/1").json()["status"] == "complete"
            assert client.get("/v1/touchpoints").json()["total_complaints"] > 0
        assert httpx.get(f"{srv.url}/healthz").status_code == 200


def test_import_leaves_out_the_control_tables_a_keys_create_added(tmp_path):
    """The tester's demo.db: mined, then given control tables (and key hashes) by an earlier `keys create`."""
    mined = tmp_path / "demo.db"
    touchpoints("mine", str(DATA / "reviews_small.csv"), "--db", str(mined), "--embedding-model", "fake",
                "--segmenter", "rules").check_returncode()  # fmt: skip
    with sqlite3.connect(mined) as conn:
        conn.execute("CREATE TABLE api_keys (hash TEXT PRIMARY KEY, workspace TEXT)")
        conn.execute("INSERT INTO api_keys VALUES ('secret-hash', 'acme')")
    main = tmp_path / "main.db"
    touchpoints("workspaces", "import", str(mined), "--workspace", "acme", "--db", str(main)).check_returncode()
    copied = tmp_path / "main.workspaces" / "acme.db"
    assert "api_keys" not in tables(copied) and "documents" in tables(copied)
    assert "api_keys" in tables(mined)  # the source is only read


def test_mining_into_the_api_main_database_is_refused_and_leaves_it_as_it_was(tmp_path):
    """`mine --db touchpoints.db` on the service's own file had added the miner's tables and data to it, and `serve`
    then refused the file it had been serving; reading commands migrated it too."""
    main = tmp_path / "touchpoints.db"
    touchpoints("keys", "create", "--workspace", "acme", "--db", str(main)).check_returncode()
    before = tables(main)
    assert {"api_keys", "workspaces"} <= before

    mined = touchpoints("mine", str(DATA / "reviews_small.csv"), "--db", str(main), "--embedding-model", "fake",
                        "--segmenter", "rules")  # fmt: skip
    assert mined.returncode == 2, mined.stderr
    assert "API's main database" in mined.stderr and "touchpoints workspaces import" in mined.stderr, mined.stderr
    top = touchpoints("top", "--db", str(main))
    assert top.returncode == 2 and "API's main database" in top.stderr, top.stderr
    assert "Traceback" not in top.stderr
    assert tables(main) == before  # no miner table was added

    with serve(main, {"TOUCHPOINTS_EMBEDDING_MODEL": "fake"}) as srv:  # the service still opens its file
        assert httpx.get(f"{srv.url}/healthz").status_code == 200


def test_keys_create_says_when_it_makes_a_new_workspace_and_lists_the_existing_ones(tmp_path):
    # The tester's `keys create --workspace cx-stors` (for cx-stores) made a new, empty workspace without a word.
    main = tmp_path / "main.db"
    first = touchpoints("keys", "create", "--workspace", "cx-stores", "--db", str(main))
    assert first.returncode == 0 and "is new" not in first.stderr
    again = touchpoints("keys", "create", "--workspace", "cx-stores", "--db", str(main))
    assert again.returncode == 0 and "is new" not in again.stderr
    typo = touchpoints("keys", "create", "--workspace", "cx-stors", "--db", str(main))
    assert typo.returncode == 0 and "Workspace 'cx-stors' is new: the existing ones are cx-stores" in typo.stderr
