"""Off a terminal (cron, a pipe, a log file) `touchpoints` never wraps a line of its notes, and lays its tables out
wider than rich's 80-column default (miner/report/console.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from tests.conftest import DATA, ROOT


def test_notes_are_whole_lines_and_tables_keep_a_width_when_output_is_piped(tmp_path):
    """A data engineer's nightly cron log: the per-file notes wrapped at 80 columns, so grep on a file's name missed
    the rest of its note (COLUMNS=200 was the workaround). stdout and stderr here are pipes, as under cron."""
    folder = tmp_path / "nightly_exports_of_the_contact_centre"
    folder.mkdir()
    shutil.copy(DATA / "reviews_small.csv", folder)
    skipped = folder / "call_recordings_index_for_march_as_exported_by_the_telephony_vendor.pdf"
    skipped.write_bytes(b"%PDF-1.4\n")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-m", "miner", "mine", str(folder), "--db", str(tmp_path / "n.db"), "--embedding-model",
         "fake", "--segmenter", "rules", "--no-redact"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,  # pipes, as under cron
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    notes = proc.stderr.splitlines()
    [note] = [line for line in notes if line.startswith(f"{skipped}: not read")]
    assert note.endswith(".xlsx)") and len(note) > 140  # whole, past the width of a table too
    assert "" not in notes  # no progress bar left a blank line
    table = [line for line in proc.stdout.splitlines() if line.startswith(("┏", "│", "└"))]
    assert table and 80 < max(len(line) for line in table) <= 140
