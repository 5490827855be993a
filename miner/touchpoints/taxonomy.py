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

from miner.errors import TaxonomyError
from miner.segment.segmenter import quote_key
from miner.touchpoints.safe_yaml import LineError, load_yaml

Stage = Literal["pre-purchase", "purchase", "post-purchase"]
STAGES: tuple[str, ...] = ("pre-purchase", "purchase", "post-purchase")
NONE = "none"
# Package data (the repository's taxonomies/default.yaml links here), so an installed package has it too.
DEFAULT_TAXONOMY = Path(str(resources.files("miner.touchpoints").joinpath("default.yaml")))
BUNDLED = "default"  # `--taxonomy default`: the bundled taxonomy, where no file of that name is in the folder
_ID = re.compile(r"^[a-z][a-z0-9_]*(/[a-z][a-z0-9_]*)*$")


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
        seen: set[str] = set()
        for top in self.touchpoints:
            if top.stage is None:
                raise ValueError(f"touchpoint '{top.id}' needs a stage (one of {', '.join(STAGES)})")
            if "/" in top.id:
                raise ValueError(f"top-level touchpoint '{top.id}' must not contain '/'")
            for tp in top.walk():
                if tp.id in seen:
                    raise ValueError(f"duplicate touchpoint id '{tp.id}'")
                seen.add(tp.id)
            for parent in top.walk():
                for child in parent.children:
                    if not child.id.startswith(parent.id + "/"):
                        raise ValueError(f"child '{child.id}' must start with '{parent.id}/'")
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


def _format_validation(path: Path, err: ValidationError, data: dict) -> str:
    """One error in the file's terms: the touchpoint by id, a list's item by its number from 1 (`examples` item 2,
    correction 1), a misspelt key by name (a missing `touchpoint` was reported, not the `touchpiont` beside it), and
    why an unquoted "Waiting time: four hours" is no text (YAML reads it as a mapping)."""
    errors = err.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = list(first["loc"])
    node: Any = data  # any YAML value: indexing what is not a container ends the walk
    named, after = None, 0
    for i, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node:
            named, after = str(node["id"]), i + 1
    rest = loc[after:]
    parts = [f"touchpoint '{named}'"] if named is not None else []
    if named is None and len(rest) >= 2 and rest[0] == "corrections" and isinstance(rest[1], int):
        parts, rest = [f"correction {rest[1] + 1}"], rest[2:]
    if not parts:  # a top-level key: as it is written ("version")
        parts, rest = [".".join(str(p) for p in rest)] if rest else [], []
    for k, part in enumerate(rest):
        if isinstance(part, int):
            continue
        item = rest[k + 1] if k + 1 < len(rest) else None
        parts.append(f"field '{part}'" + (f" item {item + 1}" if isinstance(item, int) else ""))
    where = ", ".join(parts) or "(top level)"
    if first["type"] == "extra_forbidden":
        msg = f"unknown key '{loc[-1]}' (check its spelling)"
    else:
        msg = first["msg"].removeprefix("Value error, ")
        if isinstance(first.get("input"), dict) and first["type"] == "string_type":
            msg += " (a text with ': ' in it is read as a key and a value: put it in quotes)"
    return f"{path}: {where}: {msg}. Fix the taxonomy file and run again."


def parse_taxonomy(data: object, path: Path | str = "<taxonomy>") -> Taxonomy:
    path = Path(path)
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: expected a mapping with a 'touchpoints' list at the top level.")
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as err:
        raise TaxonomyError(_format_validation(path, err, data)) from None


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
        mark = getattr(err, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise TaxonomyError(f"{path}{line}: not valid YAML ({getattr(err, 'problem', err)}).") from None
    return parse_taxonomy(data, path)
