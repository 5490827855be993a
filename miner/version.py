"""The tool's version as a run records it: a figure in a deck is traced to the code that made it."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

from miner import __version__

SOURCE = Path(__file__).resolve().parents[1]  # the checkout (or site-packages) that holds the `miner` package


@cache
def tool_version() -> str:
    """The package's version, and where it runs from a git checkout its commit, PEP 440's way: "0.1.0+g8ce5858a1b",
    ".dirty" after it when tracked files differ from that commit. Read once a process, when a run starts."""
    commit = git_commit(SOURCE)
    return __version__ if commit is None else f"{__version__}+g{commit}"


def git_commit(root: Path) -> str | None:
    """`root`'s commit (10 hex digits, ".dirty" when tracked files were edited), or None where `root` is no git
    checkout of this project (an install in site-packages), git is missing or does not answer in 5 s."""
    if not (root / "pyproject.toml").is_file() or not (root / ".git").exists():  # .git: a folder, or a worktree's file
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # a hook's GIT_DIR names another tree

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=5, env=env)

    try:
        head = git("rev-parse", "--short=10", "HEAD")
        if head.returncode != 0:
            return None
        dirty = git("diff", "--quiet", "HEAD", "--").returncode == 1
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + (".dirty" if dirty else "")
