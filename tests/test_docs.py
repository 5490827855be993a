"""Docs stay honest: the generated reference is current, every command, option, route and setting is documented,
links resolve, and --help answers quickly. After changing a command, a route or a setting: `make docs`."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("docs_gen", ROOT / "docs" / "gen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def openapi(gen) -> dict:
    return gen.build_app().openapi()


def _prose() -> str:
    """The hand-written docs: README and the guide, without the generated blocks."""
    texts = [(ROOT / "README.md").read_text("utf-8")]
    for page in sorted(GUIDE.glob("*.md")):
        texts.append(re.sub(r"<!-- (\w+):start -->.*?<!-- \1:end -->", "", page.read_text("utf-8"), flags=re.S))
    return "\n".join(texts)


@pytest.mark.parametrize("marker", ["cli", "api", "settings"])
def test_generated_reference_is_current(gen, openapi, marker):
    page, render = gen.PARTS[marker]
    expected = (render(schema=openapi) if marker == "api" else render()).strip("\n")
    assert gen.between(page.read_text("utf-8"), marker) == expected, f"{page.name} is out of date: run `make docs`"


def test_every_command_and_option_has_help(gen):
    missing = [path for path, cmd, _ in gen.cli_commands() if not (cmd.help or "").strip()]
    for path, cmd, ctx in gen.cli_commands():
        params = [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]
        missing += [f"{path} {p.name}" for p in params if not (getattr(p, "help", "") or "").strip()]
    assert not missing, f"give these a help= text (it is what docs/guide/cli.md shows): {missing}"


def test_every_command_and_option_is_in_the_cli_reference(gen):
    page = (GUIDE / "cli.md").read_text("utf-8")
    missing = []
    for path, cmd, ctx in gen.cli_commands():
        section = page.split(f"### {path}\n", 1)[-1].split("\n### ", 1)[0] if f"### {path}\n" in page else ""
        missing += [path] if not section else []
        shown = [p for p in cmd.get_params(ctx) if not getattr(p, "hidden", False)]
        options = [o for p in shown for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
        missing += [f"{path} {o}" for o in options if o != "--help" and not re.search(rf"{o}\b(?!-)", section)]
    assert not missing, f"missing from docs/guide/cli.md (run `make docs`): {missing}"


def test_every_command_is_explained_in_the_guide(gen):
    prose = _prose()
    missing = [path for path, _, _ in gen.cli_commands() if f"{path}" not in prose]
    assert not missing, f"say what these are for in README.md or a docs/guide/ page (not just the reference): {missing}"


def test_every_route_is_in_the_api_reference(openapi):
    page = (GUIDE / "api.md").read_text("utf-8")
    routes = [f"{m.upper()} {p}" for p, item in openapi["paths"].items() for m in item]
    assert len(routes) >= 10
    assert not [r for r in routes if f"### {r}\n" not in page], "docs/guide/api.md is out of date: run `make docs`"
    no_summary = [f"{m.upper()} {p}" for p, item in openapi["paths"].items() for m, op in item.items()
                  if not op.get("summary")]  # fmt: skip
    assert not no_summary, f"give these routes a summary= (it is what docs/guide/api.md lists): {no_summary}"


def test_every_route_parameter_is_described(openapi):
    """POST /v1/datasets's text_col, rating_col, date_col and id_col, GET /v1/pain-points's stage, limit and offset,
    and every id in a path had an empty description in the reference an API consumer reads."""
    bare = [f"{m.upper()} {p} {q['name']}" for p, item in openapi["paths"].items() for m, op in item.items()
            for q in op.get("parameters", []) if not (q.get("description") or "").strip()]  # fmt: skip
    assert not bare, f"give these parameters a description= (docs/guide/api.md shows it): {bare}"


def test_every_setting_is_documented(gen):
    page = (GUIDE / "api.md").read_text("utf-8")
    fields = gen.settings_fields()
    assert "db" in fields
    assert not [n for n, f in fields.items() if not (f.description or "").strip()], "give each setting a description"
    assert not [n for n in fields if f"`{gen.env_name(n)}`" not in page], "docs/guide/api.md: run `make docs`"


def test_splice_replaces_only_its_block_and_names_missing_markers(gen):
    page = "# Title\n\nintro\n<!-- cli:start -->\nold\n<!-- cli:end -->\noutro\n"
    new = gen.splice(page, "cli", "new\n")
    assert new == "# Title\n\nintro\n<!-- cli:start -->\nnew\n<!-- cli:end -->\noutro\n"
    assert gen.between(new, "cli") == "new"
    with pytest.raises(ValueError, match="api:start"):
        gen.between(page, "api")


def test_check_mode_passes_on_current_pages_and_fails_on_a_stale_one(gen, tmp_path, monkeypatch, capsys):
    assert gen.main(["--check"]) == 0
    stale = tmp_path / "cli.md"
    stale.write_text("# CLI\n\n<!-- cli:start -->\nold\n<!-- cli:end -->\n", "utf-8")
    monkeypatch.setitem(gen.PARTS, "cli", (stale, gen.PARTS["cli"][1]))
    monkeypatch.setattr(gen, "ROOT", tmp_path)
    assert gen.main(["--check"]) == 1 and "run `make docs`" in capsys.readouterr().out
    assert gen.main([]) == 0 and gen.main(["--check"]) == 0
    assert "### touchpoints mine" in stale.read_text("utf-8")


def test_quality_page_keeps_the_markers_make_eval_writes_between():
    text = (ROOT / "docs" / "quality.md").read_text("utf-8")
    for marker in ("transfer", "painpoints"):
        assert text.count(f"<!-- {marker}:start -->") == 1 and text.count(f"<!-- {marker}:end -->") == 1, marker
    fit = (ROOT / "docs" / "lab" / "fit.md").read_text("utf-8")  # `make eval EVAL_ARGS=--fit` writes there
    assert fit.count("<!-- eval:start -->") == 1 and fit.count("<!-- eval:end -->") == 1


def test_links_between_docs_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text("utf-8")):
            if not re.match(r"[a-z]+:", target) and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert not broken, f"links to missing files: {broken}"


def test_help_loads_no_heavy_library():
    heavy = "('torch', 'spacy', 'bertopic', 'sentence_transformers', 'sklearn')"
    code = f"import sys; from api.cli import app; print(sorted(m for m in {heavy} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "miner", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "mine" in proc.stdout and "top" in proc.stdout


def test_version_names_the_package_and_loads_no_heavy_library():
    """No `touchpoints --version`: a nightly job's log and a bug report could not say which code ran."""
    from miner import __version__
    from miner.version import tool_version

    heavy = "('torch', 'spacy', 'bertopic', 'sentence_transformers', 'sklearn', 'presidio_analyzer')"
    code = ("import sys; from miner.cli import main; sys.argv = ['touchpoints', '--version']\ntry: main()\n"
            f"except SystemExit: print(sorted(m for m in {heavy} if m in sys.modules))")  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    said, loaded = proc.stdout.strip().splitlines()
    assert said == f"touchpoints {tool_version()}" and said.startswith(f"touchpoints {__version__}"), proc.stderr
    assert loaded == "[]"


READ_COMMANDS = {  # each refuses a missing --db rather than create it
    "top": [], "report": [], "export": [], "forget": ["--dataset", "x"], "taxonomy suggest": [],
    "taxonomy review": [], "runs list": [], "runs prune": ["--keep", "1"],
}  # fmt: skip


def test_a_db_option_says_created_if_missing_only_where_it_is(gen, tmp_path):
    from typer.testing import CliRunner

    from miner.cli import app

    helps = {
        path.removeprefix("touchpoints "): p.help
        for path, cmd, ctx in gen.cli_commands()
        for p in cmd.get_params(ctx)
        if "--db" in getattr(p, "opts", ())
    }
    assert "created if missing" in helps["mine"]
    missing = tmp_path / "none.db"
    for command, args in READ_COMMANDS.items():
        result = CliRunner().invoke(app, [*command.split(), *args, "--db", str(missing)])
        assert result.exit_code == 2 and "no such database" in result.output, command
        assert "created if missing" not in helps[command] and "must exist" in helps[command], command
    assert not missing.exists()


def test_the_taxonomy_guide_s_example_is_a_valid_taxonomy(tmp_path):
    """A reader copies the guide's example to start from: it must load (it named a touchpoint it did not define)."""
    from miner.touchpoints import load_taxonomy

    guide = (ROOT / "docs" / "guide" / "taxonomy.md").read_text(encoding="utf-8")
    example = re.search(r"## The format\n\n```yaml\n(.*?)```", guide, re.S)
    assert example, "docs/guide/taxonomy.md lost its example"
    path = tmp_path / "acme.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    taxonomy = load_taxonomy(path)
    assert [t.id for t in taxonomy.touchpoints] == ["website"] and taxonomy.corrections


def test_the_api_reference_shows_each_parameters_bounds():
    """A parameter's limits are in the reference (`limit` of GET /v1/pain-points is 1 to 200; it read `integer`)."""
    page = (GUIDE / "api.md").read_text("utf-8")
    section = page.split("### GET /v1/pain-points\n", 1)[1].split("\n### ", 1)[0]
    assert "| `limit` | query | integer (1 to 200) |" in section
