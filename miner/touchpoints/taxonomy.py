"""The touchpoint taxonomy: a YAML file validated with pydantic on load."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from yaml.scanner import ScannerError

from miner.errors import TaxonomyError
from miner.segment.segmenter import quote_key
from miner.touchpoints.safe_yaml import LineError, line_of, load_yaml

Stage = Literal["pre-purchase", "purchase", "post-purchase"]
STAGES: tuple[str, ...] = ("pre-purchase", "purchase", "post-purchase")
NONE = "none"
# Package data (the repository's taxonomies/default.yaml links here), so an installed package has it too.
DEFAULT_TAXONOMY = Path(str(resources.files("miner.touchpoints").joinpath("default.yaml")))
BUNDLED = "default"  # `--taxonomy default`: the bundled taxonomy, where no file of that name is in the folder
_ID = re.compile(r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*$")
COLON_HINT = "a text with ': ' in it is read as a key and a value: put it in quotes"


class Touchpoint(BaseModel):
    """One touchpoint; children are sub-touchpoints whose ids start with `parent/`."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1)
    stage: Stage | None = None
    description: str = Field(min_length=1)
    examples: list[str] = Field(default_factory=list)
    children: list[Touchpoint] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_format(cls, value: str) -> str:
        if not _ID.match(value) or value == NONE:
            raise ValueError(
                f"'{value}' is not a valid id: use lowercase letters, digits and '_', "
                "with '/' between a parent and a child (e.g. website/information)"
            )
        return value

    @field_validator("description", "name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("examples")
    @classmethod
    def _clean_examples(cls, value: list[str]) -> list[str]:
        return [e.strip() for e in value if e and e.strip()]

    def walk(self) -> Iterator[Touchpoint]:
        yield self
        for child in self.children:
            yield from child.walk()

    def all_examples(self) -> list[str]:
        """This touchpoint's examples and those of its children."""
        return [e for tp in self.walk() for e in tp.examples]


class Correction(BaseModel):
    """A feedback text an analyst filed under a touchpoint. Corrections are labelled data of the corpus: they fit
    each run's labelled head (miner/touchpoints/labelled.py) and teach its corpus head (corpus.py); they are not
    examples, which describe a touchpoint in general terms."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    touchpoint: str


class TreeError(ValueError):
    """A problem of the touchpoint tree, with where it is: `path` into the file's data (keys and list positions) and,
    for a duplicate, `first`, the path of the id it repeats. A model validator's error has no location of its own
    ("(top level): duplicate touchpoint id 'claims'")."""

    def __init__(self, message: str, path: tuple[str | int, ...], first: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path, self.first = path, first


def _placed(tp: Touchpoint, path: tuple[str | int, ...]) -> Iterator[tuple[Touchpoint, tuple[str | int, ...]]]:
    """`tp` and its descendants, each with its path in the file's data."""
    yield tp, path
    for j, child in enumerate(tp.children):
        yield from _placed(child, (*path, "children", j))


VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


class Taxonomy(BaseModel):
    """A versioned set of top-level touchpoints."""

    model_config = ConfigDict(extra="forbid")

    version: str = "1"
    name: str = "custom"
    description: str = ""
    touchpoints: list[Touchpoint] = Field(min_length=1)
    # Complaints that name no touchpoint ("we were very disappointed"): a segment closer to these than to
    # every touchpoint's examples maps to `none` instead of to the least unlikely touchpoint.
    none_examples: list[str] = Field(default_factory=list)
    corrections: list[Correction] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_name(cls, value: object) -> object:
        """A version names runs and is read back in URLs: 1-64 letters, digits and `._+-`, starting with a letter or
        digit (an unquoted YAML `version: 1` or `2026.12` is read as that text)."""
        if isinstance(value, float):  # `version: 2027.10` is the number 2027.1: its text is lost before it is read
            raise ValueError(f'{value} is a number: quote the version (version: "2027.10") so it is read as written')
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and not VERSION.fullmatch(value):
            raise ValueError(
                f"'{value[:80]}' is not a version: use 1-64 letters, digits, dots, dashes or underscores, "
                "e.g. 2026.12.1"
            )
        return value

    @field_validator("none_examples")
    @classmethod
    def _clean_none_examples(cls, value: list[str]) -> list[str]:
        return [e.strip() for e in value if e and e.strip()]

    @model_validator(mode="after")
    def _check_tree(self) -> Taxonomy:
        seen: dict[str, tuple[str | int, ...]] = {}
        for i, top in enumerate(self.touchpoints):
            at: tuple[str | int, ...] = ("touchpoints", i)
            if top.stage is None:
                raise TreeError(f"a top-level touchpoint needs a stage (one of {', '.join(STAGES)})", (*at, "stage"))
            if "/" in top.id:
                raise TreeError(f"top-level touchpoint '{top.id}' must not contain '/'", (*at, "id"))
            for tp, path in _placed(top, at):
                if tp.id in seen:
                    raise TreeError(f"duplicate touchpoint id '{tp.id}'", (*path, "id"), (*seen[tp.id], "id"))
                seen[tp.id] = path
                for j, child in enumerate(tp.children):
                    if not child.id.startswith(tp.id + "/"):
                        raise TreeError(f"child '{child.id}' must start with '{tp.id}/'", (*path, "children", j, "id"))
        filed: dict[
            str, tuple[int, str]
        ] = {}  # a quote, as a run matches it (any case, spacing, punctuation around it)
        for number, correction in enumerate(self.corrections, start=1):
            quoted = correction.text if len(correction.text) <= 40 else correction.text[:40] + "…"
            said = quote_key(correction.text)
            if not correction.text.strip():
                raise ValueError(f"correction {number} has no text: quote the feedback it files, or delete it")
            if said in filed and filed[said][1] != correction.touchpoint:
                first, where = filed[said]
                raise ValueError(
                    f"correction {number} ('{quoted}') files the text of correction {first} under "
                    f"'{correction.touchpoint}', correction {first} under '{where}': keep the one that is right"
                )
            filed.setdefault(said, (number, correction.touchpoint))
            if correction.touchpoint == NONE:
                raise ValueError(
                    f"correction {number} ('{quoted}') is filed under 'none': put such text in none_examples"
                )
            if correction.touchpoint not in seen:
                raise ValueError(
                    f"correction {number} ('{quoted}') names an unknown touchpoint '{correction.touchpoint}': "
                    "use one of the taxonomy's ids"
                )
        return self

    def top_level(self) -> list[Touchpoint]:
        return list(self.touchpoints)

    def get(self, touchpoint_id: str) -> Touchpoint:
        for top in self.touchpoints:
            for tp in top.walk():
                if tp.id == touchpoint_id:
                    return tp
        raise KeyError(touchpoint_id)

    def stage_of(self, touchpoint_id: str) -> str | None:
        top = touchpoint_id.split("/")[0]
        return next((t.stage for t in self.touchpoints if t.id == top), None)

    def fingerprint(self) -> str:
        """A short hash of the content, so a run records exactly which taxonomy it used."""
        # without corrections, the dump is the one taxonomies had before corrections existed: same fingerprints
        payload = self.model_dump_json(exclude=None if self.corrections else {"corrections"}).encode()
        return hashlib.sha256(payload).hexdigest()[:12]


def _format_validation(path: Path, err: ValidationError, data: dict, text: str | None = None) -> str:
    """One error in the file's terms: its line where the file's `text` is at hand, the touchpoint by id, a list's
    item by its number from 1 (`examples` item 2, correction 1), a misspelt key by name (a missing `touchpoint` was
    reported, not the `touchpiont` beside it), and why an unquoted "Waiting time: four hours" is no text (YAML reads
    it as a mapping)."""
    errors = err.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    tree = (first.get("ctx") or {}).get("error")
    loc = list(tree.path) if isinstance(tree, TreeError) else list(first["loc"])
    if first["type"] == "extra_forbidden":
        msg = f"unknown key '{loc[-1]}' (check its spelling)"
    else:
        msg = first["msg"].removeprefix("Value error, ")
        given = first.get("input")
        if isinstance(given, dict) and first["type"] == "string_type":
            msg += (
                f" but is a mapping with the id '{given['id']}': a touchpoint goes under `touchpoints:`, indented "
                "as the others"
                if "id" in given
                else f" ({COLON_HINT})"
            )
    line = line_of(text, loc) if text is not None else None
    if isinstance(tree, TreeError) and tree.first and text is not None:
        msg += f" (first given at line {line_of(text, tree.first)})"
    at = f", line {line}" if line else ""
    return f"{path}{at}: {_where(loc, data)}: {msg}. Fix the taxonomy file and run again."


def _where(loc: list[str | int], data: dict) -> str:
    """ "touchpoint 'x', field 'examples' item 2", "correction 1", "field 'none_examples' item 3" or "version"."""
    node: Any = data  # any YAML value: indexing what is not a container ends the walk
    named, after = None, 0
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        # a touchpoint is an item of `touchpoints` or of `children`: a mapping with an id pasted under
        # `none_examples` was named "touchpoint 'roadside'"
        if isinstance(node, dict) and "id" in node and i >= 1 and loc[i - 1] in ("touchpoints", "children"):
            named, after = str(node["id"]), i + 1
    rest = loc[after:]
    parts = [f"touchpoint '{named}'"] if named is not None else []
    if named is None and len(rest) >= 2 and rest[0] == "corrections" and isinstance(rest[1], int):
        parts, rest = [f"correction {rest[1] + 1}"], rest[2:]
    if not parts and not any(isinstance(p, int) for p in rest):  # a top-level key: as it is written ("version")
        parts, rest = [".".join(str(p) for p in rest)] if rest else [], []
    for k, part in enumerate(rest):
        if isinstance(part, int):
            continue
        item = rest[k + 1] if k + 1 < len(rest) else None
        parts.append(f"field '{part}'" + (f" item {item + 1}" if isinstance(item, int) else ""))
    return ", ".join(parts) or "(top level)"


def parse_taxonomy(data: object, path: Path | str = "<taxonomy>", text: str | None = None) -> Taxonomy:
    """Validate a taxonomy's data; `text`, the file it was read from, lets an error name its line."""
    path = Path(path)
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping with a 'touchpoints' list at the top level.")
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as err:
        raise TaxonomyError(_format_validation(path, err, data, text)) from None


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (the bundled one when `path` is None or `BUNDLED` names no file)."""
    path = Path(path) if path else DEFAULT_TAXONOMY
    if str(path) == BUNDLED and not path.exists():
        path = DEFAULT_TAXONOMY
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: taxonomy file not found. Pass an existing YAML file.") from None
    except UnicodeDecodeError as err:
        at = err.object[: err.start].count(b"\n") + 1
        raise TaxonomyError(
            f"{path}, line {at}: byte {err.object[err.start]:#04x} is not UTF-8. Save the file as UTF-8."
        ) from None
    try:
        data = load_yaml(text)
    except LineError as err:
        raise TaxonomyError(f"{path}, line {err.line}: {err.problem}.") from None
    except yaml.YAMLError as err:
        raise TaxonomyError(f"{path}{_yaml_problem(err)}.") from None
    return parse_taxonomy(data, path, text)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """ ", line N: not valid YAML (...)" for a parse error. Where the scanner gave up inside something that started
    earlier (a quote opened on line 1922 and never closed ran to the end of the file, line 2048), the line it started
    on comes first: the end of the file is no place to look for a missing quote."""
    mark, context = getattr(err, "problem_mark", None), getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if problem == "mapping values are not allowed here":
        problem += f"; {COLON_HINT}"
    if isinstance(err, ScannerError) and mark and context and context.line != mark.line:
        return (
            f", line {context.line + 1}: not valid YAML ({err.context} that starts on this line, {problem} at line "
            f"{mark.line + 1}){': close the quote' if 'quoted' in (err.context or '') else ''}"
        )
    line = f", line {mark.line + 1}" if mark else ""
    return f"{line}: not valid YAML ({problem})"
