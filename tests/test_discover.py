"""Folder walks stay inside the folder, and a named pipe or device gets its own clear error."""

from __future__ import annotations

import os

import pytest

from miner.errors import InputError
from miner.ingest import discover

CSV = "id,review\n1,The courier was late again\n"


def test_a_link_out_of_the_folder_is_an_error_not_feedback(tmp_path):
    folder = tmp_path / "feedback"
    folder.mkdir()
    (folder / "a.csv").write_text(CSV)
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (folder / "passwd.txt").symlink_to(outside)
    with pytest.raises(InputError) as err:
        discover([folder])
    assert err.value.path.endswith("passwd.txt") and "outside" in str(err.value) and "copy the file" in str(err.value)
    # Named on the command line, the same file is read: the user asked for it.
    assert discover([folder / "passwd.txt"]) == [folder / "passwd.txt"]


def test_a_linked_folder_out_of_the_folder_is_an_error(tmp_path):
    folder, elsewhere = tmp_path / "feedback", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (elsewhere / "b.csv").write_text(CSV)
    (folder / "a.csv").write_text(CSV)
    (folder / "more").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="outside"):
        discover([folder])


def test_links_inside_the_folder_and_unrelated_links_are_fine(tmp_path):
    folder = tmp_path / "feedback"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.csv").write_text(CSV)
    (folder / "alias.csv").symlink_to(folder / "sub" / "a.csv")
    (folder / "tool").symlink_to("/bin/sh")  # not a feedback file: ignored
    (folder / "notes.md").write_text("not read")
    assert discover([folder]) == [folder / "alias.csv", folder / "sub" / "a.csv"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_fifo_gets_its_own_error(tmp_path):
    fifo = tmp_path / "feed.csv"
    os.mkfifo(fifo)
    for paths in ([fifo], [tmp_path]):
        with pytest.raises(InputError) as err:
            discover(paths)
        assert "named pipe (FIFO)" in str(err.value) and "no such file" not in str(err.value)


def test_a_device_gets_its_own_error():
    with pytest.raises(InputError, match="is a device, not a regular file"):
        discover(["/dev/null"])


def test_a_missing_path_is_still_no_such_file(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "nope.csv"])
    (tmp_path / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "dangling.csv"])


def test_hidden_files_and_excel_lock_files_are_skipped_and_listed(tmp_path):
    folder = tmp_path / "feedback"
    (folder / ".git").mkdir(parents=True)
    (folder / "a.csv").write_text(CSV)
    (folder / ".hidden.csv").write_text(CSV)
    (folder / ".git" / "b.csv").write_text(CSV)
    (folder / "~$reviews.xlsx").write_bytes(b"\x05Alice" + b"\x00" * 40)  # what Excel leaves while a book is open
    (folder / "old_export.xls").write_bytes(b"\xd0\xcf\x11\xe0")  # no reader: listed, not silently left out
    (folder / "README.md").write_text("what the folder holds")  # a readme is expected, and not listed
    skipped: list = []
    assert discover([folder], skipped) == [folder / "a.csv"]
    assert sorted(p.name for p in skipped) == [".git", ".hidden.csv", "old_export.xls", "~$reviews.xlsx"]
    assert discover([folder / ".hidden.csv"]) == [folder / ".hidden.csv"]  # named, it is read
