"""The package as users get it: a wheel built from the source carries the default taxonomy, the complaint seeds,
the report templates and the name pre-filter's word lists, installs into a fresh virtual environment, and its
`touchpoints` script mines the demo corpus from another folder with the default taxonomy (no checkout on the path)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpora" / "food_delivery"
PACKAGE_DATA = (
    "miner/touchpoints/default.yaml",
    "miner/complaints/seeds.yaml",
    "miner/report/templates/",
    "miner/segment/data/first_names.txt",  # the name pre-filter's word lists (namefilter.py)
    "miner/segment/data/common_words.txt",
    "miner/segment/data/LICENSE-faker.txt",
)


def test_the_top_level_default_taxonomy_is_the_package_data():
    from miner.touchpoints.taxonomy import DEFAULT_TAXONOMY

    assert DEFAULT_TAXONOMY == ROOT / "miner" / "touchpoints" / "default.yaml"
    assert (ROOT / "taxonomies" / "default.yaml").resolve() == DEFAULT_TAXONOMY.resolve()


def test_torch_is_a_plain_dependency_and_the_exact_pin_lives_in_constraints():
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch = [d for d in deps if d.startswith("torch")]
    assert torch and "==" not in torch[0], torch
    assert "torch==" in (ROOT / "constraints.txt").read_text()
    pip_lines = [line for line in (ROOT / "Makefile").read_text().splitlines() if "$(PIP) install" in line]
    assert pip_lines and all("$(CONSTRAINTS)" in line for line in pip_lines)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline from a copy of the sources (an in-tree build would leave build/ in the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    for name in ("miner", "api"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    proc = subprocess.run([*pip, "-w", str(work / "dist"), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    (found,) = (work / "dist").glob("touchpoint_miner-*.whl")
    return found


def test_the_wheel_carries_the_package_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for data in PACKAGE_DATA:
        assert any(n.startswith(data) for n in names), data
    assert any(n.endswith(".j2") for n in names)


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; the dependencies come from this environment's
    site-packages through a plain path line (so its editable finder for the checkout is not activated)."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=300)
    python = env / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q"]
    proc = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_the_installed_package_is_the_one_imported_and_finds_its_data(venv, tmp_path):
    code = (
        "import json, miner, miner.touchpoints.taxonomy as t, miner.complaints.detector as d, miner.report.html as h;"
        "print(json.dumps([miner.__file__, str(t.DEFAULT_TAXONOMY), str(d.SEEDS), str(h.TEMPLATES)]))"
    )
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=_clean_env()
    )
    assert proc.returncode == 0, proc.stderr
    paths = [Path(p) for p in json.loads(proc.stdout)]
    assert all(p.is_relative_to(venv) and p.exists() for p in paths), paths  # not the checkout
    assert not any(p.is_relative_to(ROOT) for p in paths)


@pytest.mark.e2e
def test_the_installed_script_mines_the_demo_corpus_from_another_folder(venv, tmp_path):
    import sqlite3

    from miner.touchpoints import load_taxonomy

    corpus = tmp_path / "feedback"
    corpus.mkdir()
    lines = (CORPUS / "reviews.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (corpus / "reviews.csv").write_text("".join(lines[:60]), encoding="utf-8")  # a subset: this is no quality test
    work = tmp_path / "elsewhere"
    work.mkdir()
    proc = subprocess.run(
        [str(venv / "bin" / "touchpoints"), "mine", str(corpus), "--db", "demo.db", "--json-out", "summary.json"],
        capture_output=True, text=True, cwd=work, env=_clean_env(), timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = {t["id"] for t in json.loads((work / "summary.json").read_text())["touchpoints"]}
    default = {tp.id for top in load_taxonomy().touchpoints for tp in top.walk()}
    assert found and found <= default | {"none"}, found - default
    (model,) = sqlite3.connect(work / "demo.db").execute("SELECT embedding_model FROM runs").fetchone()
    assert model.startswith("st:minilm-tuned-")  # the default encoder, named as the checkout names it
