"""Docs stay honest: every command is in the README and answers --help quickly."""

import subprocess
import sys
from pathlib import Path

import typer.main

from api.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        sub = getattr(cmd, "commands", None)
        names += [f"{name} {s}" for s in sub] if sub else [name]
    return names


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"touchpoints {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_help_loads_no_heavy_library():
    heavy = "('torch', 'spacy', 'bertopic', 'sentence_transformers', 'sklearn')"
    code = f"import sys; from api.cli import app; print(sorted(m for m in {heavy} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "miner", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "mine" in proc.stdout and "top" in proc.stdout
