"""Meta-test: miner/store owns the SQL and miner never imports api.

Outside miner/store/ only api/db.py (the service's control database) writes SQL, plus the modules the pipeline
restructuring still has to move (ALLOWED_FOR_NOW: each must shrink to nothing, never grow)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"SELECT|INSERT|UPDATE|DELETE FROM|CREATE TABLE|db\.query|db\.execute|\.execute\(")
OWNERS = {"api/db.py"}
# The analyze flow's own queries, moved into miner/store/ with miner/pipeline/ (issue 19, "pipeline" part).
ALLOWED_FOR_NOW: set[str] = set()


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_sql_outside_the_store_and_the_control_database():
    offenders = []
    for path in _modules("miner", "api"):
        rel = _rel(path)
        if rel.startswith("miner/store/") or rel in OWNERS | ALLOWED_FOR_NOW:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "SQL outside miner/store/ and api/db.py:\n" + "\n".join(offenders)


def test_the_meta_test_sees_sql():
    assert SQL.search('db.execute("SELECT 1")') and not SQL.search("selected = db.table_names()")


def test_miner_never_imports_api():
    offenders = []
    for path in _modules("miner"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{_rel(path)}:{node.lineno}: {n}" for n in names if n == "api" or n.startswith("api.")]
    assert not offenders, "miner imports api:\n" + "\n".join(offenders)


def test_python_m_miner_still_offers_the_api_commands():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "miner", "--help"], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert all(name in proc.stdout for name in ("mine", "top", "report", "serve", "keys"))


def test_serve_hands_its_settings_to_the_app_not_the_environment(monkeypatch, tmp_path):
    import os

    import uvicorn
    from typer.testing import CliRunner

    from api.cli import app

    served = {}
    monkeypatch.delenv("TOUCHPOINTS_DB", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: served.update(app=application, **kw))
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "s.db"), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served["app"].state.settings.db == tmp_path / "s.db" and served["port"] == 8123
    assert "TOUCHPOINTS_DB" not in os.environ
