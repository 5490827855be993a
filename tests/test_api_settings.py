"""`serve` refuses bad settings before it listens, one line each naming the environment variable; a misspelt one is
a warning naming the closest; a taxonomy gone after start-up is the server's fault (500), not the client's (400)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from api.testing import ROOT, free_port, serve

DATA = Path(__file__).parent / "data"


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINTS_")} | env | {"PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "miner", "serve", "--db", str(tmp_path / "main.db"), "--port", str(free_port())]
    # in tmp_path, where no .env is: the environment alone decides
    return subprocess.run(cmd, cwd=tmp_path, env=full, capture_output=True, text=True, timeout=60)


def test_bad_settings_stop_serve_with_one_line_each_naming_the_variable(tmp_path):
    # Each of these started silently before; the type error printed 46 lines of pydantic naming `max_rows`.
    bad = _serve(tmp_path, TOUCHPOINTS_MAX_UPLOAD_BYTES="-5", TOUCHPOINTS_WORKERS="0", TOUCHPOINTS_RUN_BUDGET_S="-10",
                 TOUCHPOINTS_MAX_ROWS="lots", TOUCHPOINTS_CORS_ORIGINS="https://dash.example/app")  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("Error: TOUCHPOINTS_") for line in lines), lines
    assert "Error: TOUCHPOINTS_MAX_UPLOAD_BYTES=-5: should be greater than or equal to 1" in lines
    assert "Error: TOUCHPOINTS_MAX_ROWS=lots: should be a whole number" in lines
    assert "no path" in bad.stderr and not (tmp_path / "main.db").exists()
    wrong = _serve(tmp_path, TOUCHPOINTS_TAXONOMY=str(tmp_path / "gone.yaml"), TOUCHPOINTS_MAPPER="bogus",
                   TOUCHPOINTS_EMBEDDING_MODEL="nonsense", TOUCHPOINTS_RATE_LIMT="5")  # fmt: skip
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr, wrong.stderr
    assert f"TOUCHPOINTS_TAXONOMY={tmp_path / 'gone.yaml'}: no such file" in wrong.stderr
    assert "TOUCHPOINTS_MAPPER=bogus: no such mapper; use examples or centroid" in wrong.stderr
    assert "TOUCHPOINTS_EMBEDDING_MODEL=nonsense: no such model" in wrong.stderr
    assert (
        "TOUCHPOINTS_RATE_LIMT is not a setting, so it is ignored: did you mean TOUCHPOINTS_RATE_LIMIT?" in wrong.stderr
    )


def test_a_taxonomy_gone_after_start_up_is_a_server_fault_not_the_client_s(tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    shutil.copy(DATA / "mini_taxonomy.yaml", taxonomy)
    env = {"TOUCHPOINTS_EMBEDDING_MODEL": "fake", "TOUCHPOINTS_TAXONOMY": str(taxonomy)}
    with serve(tmp_path / "main.db", env) as srv, srv.client(srv.key("t")) as c:
        assert c.get("/v1/taxonomy").status_code == 200
        taxonomy.unlink()
        resp = c.get("/v1/taxonomy")
    assert resp.status_code == 500 and resp.json()["code"] == "server_misconfigured", resp.text
    assert str(tmp_path) not in resp.text


def test_a_run_error_names_an_upload_by_its_file_not_the_servers_folders(tmp_path):
    """A run's error showed "/srv/tp/main.workspaces/stores.uploads/ds_1f2e/slow.csv: no such file or folder" to
    every caller of GET /v1/runs: the server's folders, beside the file the client uploaded."""
    from api.errors import without_server_paths

    workspaces = tmp_path / "main.workspaces"
    error = f"{workspaces}/stores.uploads/ds_1f2e9a/slow.csv, line 4, field 'date': not a date"
    assert without_server_paths(error, workspaces) == "slow.csv, line 4, field 'date': not a date"
    assert without_server_paths("taxonomy has no touchpoints", workspaces) == "taxonomy has no touchpoints"
