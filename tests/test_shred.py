"""Raw uploads are overwritten before they are unlinked: a hard link made beforehand (which keeps the inode, as
freed blocks keep their bytes) reads zeros afterwards, where a plain unlink left every name and phone number."""

from __future__ import annotations

import os

from api.shred import CHUNK, shred, shred_tree

RAW = b"id,text\n1,Call me on 07700 900123, Jane Doe\n"


def test_shred_overwrites_the_bytes_before_unlinking(tmp_path):
    upload, witness = tmp_path / "reviews.csv", tmp_path / "witness"
    upload.write_bytes(RAW * (CHUNK // len(RAW) + 7))  # more than one chunk of zeros
    os.link(upload, witness)
    size = upload.stat().st_size
    shred(upload)
    assert not upload.exists()
    assert witness.read_bytes() == bytes(size)

    plain, kept = tmp_path / "plain.csv", tmp_path / "kept"
    plain.write_bytes(RAW)
    os.link(plain, kept)
    plain.unlink()  # what deleting an upload did before
    assert kept.read_bytes() == RAW
    shred(tmp_path / "gone.csv")  # nothing to do, no error


def test_shred_tree_overwrites_every_file_and_removes_the_folder(tmp_path):
    folder = tmp_path / "uploads" / "ds_1"
    (folder / "part").mkdir(parents=True)
    witnesses = []
    for k, path in enumerate([folder / "a.csv", folder / "part" / "b.jsonl"]):
        path.write_bytes(RAW)
        witnesses.append(tmp_path / f"w{k}")
        os.link(path, witnesses[-1])
    outside = tmp_path / "outside.txt"
    outside.write_bytes(RAW)
    (folder / "link").symlink_to(outside)  # a link's target is not the upload's to overwrite
    shred_tree(folder)
    assert not folder.exists()
    assert all(w.read_bytes() == bytes(len(RAW)) for w in witnesses)
    assert outside.read_bytes() == RAW
    shred_tree(folder)  # gone already: nothing to do
