"""What `mine` says about each file: the columns it chose, what it left out, and the files a folder held that it
does not read."""

from __future__ import annotations

from miner.cli.mining import _note_skipped
from miner.ingest import discover
from miner.progress import Progress


class Notes(Progress):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, message: str) -> None:
        self.lines.append(message)


def test_mine_names_the_files_a_folder_held_that_it_does_not_read(tmp_path):
    (tmp_path / "a.csv").write_text("id,review\n1,The courier was late again\n")
    (tmp_path / ".hidden.csv").write_text("id,review\n1,The courier was late again\n")
    (tmp_path / "~$book.xlsx").write_bytes(b"\x05Alice")
    skipped: list = []
    discover([tmp_path], skipped)
    notes = Notes()
    _note_skipped(skipped, notes, redact=False)
    assert notes.lines == [f"{tmp_path / '.hidden.csv'}: not read (hidden)",
                           f"{tmp_path / '~$book.xlsx'}: not read (an Excel lock file)"]  # fmt: skip
