"""The lint gate stays a gate: `make test` runs `make lint` first, mypy covers miner/ and api/ without a blanket
escape, and every `# type: ignore` names the error it silences (the run itself is `make lint`, minutes on 2 cores)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _target(makefile: str, name: str) -> tuple[list[str], list[str]]:
    """A Makefile target's prerequisites and recipe lines."""
    match = re.search(rf"^{name}:(.*)\n((?:\t.*\n)*)", makefile, re.MULTILINE)
    assert match, f"Makefile has no `{name}` target"
    return match.group(1).split(), [line.strip() for line in match.group(2).splitlines()]


def test_make_test_runs_lint_first():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_deps, _ = _target(makefile, "test")
    lint_deps, lint_recipe = _target(makefile, "lint")
    assert "lint" in test_deps
    assert "setup" in lint_deps
    assert "$(BIN)/ruff check ." in lint_recipe
    assert "$(BIN)/ruff format --check ." in lint_recipe
    assert "$(BIN)/python -m mypy" in lint_recipe


def test_mypy_covers_miner_and_api_without_blanket_escapes():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert config["python_version"] == "3.11"
    assert set(config["packages"]) == {"miner", "api"}
    assert not config.get("ignore_errors") and not config.get("ignore_missing_imports")
    for override in config.get("overrides", []):
        assert not override.get("ignore_errors"), f"ignore_errors for {override['module']}: fix the errors instead"
        modules = override["module"] if isinstance(override["module"], list) else [override["module"]]
        assert not [m for m in modules if m.split(".")[0] in ("miner", "api")], "our own code is always checked"


def test_every_type_ignore_names_its_error_code():
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("miner", "api")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"#\s*type:\s*ignore(?!\[[\w-]+(,\s*[\w-]+)*\])", line)
    ]
    assert not bare, f"`# type: ignore` without an error code (write `# type: ignore[code]  # why`): {bare}"
