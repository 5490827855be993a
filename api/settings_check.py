"""`serve` checks its settings before it listens, and says what is wrong in the words of the environment.

A bad setting used to start silently and fail later, each request or run in its own way: TOUCHPOINTS_MAX_UPLOAD_BYTES
=-5 refused every upload, a missing TOUCHPOINTS_TAXONOMY failed every run (and answered GET /v1/taxonomy with a 400,
as if the client had erred), a misspelt TOUCHPOINTS_RATE_LIMT was ignored, and a value of the wrong type printed a
pydantic traceback naming `max_upload_bytes`. Now every problem is one line naming the variable and what it takes,
and `serve` exits 2 before it listens; a TOUCHPOINTS_* variable no setting reads is a warning naming the closest."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from api.settings import Settings

PREFIX = "TOUCHPOINTS_"
# Read by the miner itself, not by Settings (miner/defaults.py, miner/store/pii_key.py, miner/eval/predict.py).
MINER_VARIABLES = {"TOUCHPOINTS_CACHE", "TOUCHPOINTS_PRECISION", "TOUCHPOINTS_PII_KEY", "TOUCHPOINTS_EVAL_CACHE"}


class SettingsError(Exception):
    """One line per bad setting."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def env_name(field: str) -> str:
    return PREFIX + field.upper()


def load_settings(**given: Any) -> Settings:
    """Settings from the environment (and `given`, the command line's), checked; SettingsError lists what is wrong."""
    try:
        settings = Settings(**given)
    except ValidationError as err:
        raise SettingsError([_line(error) for error in err.errors()]) from None
    if lines := problems(settings):
        raise SettingsError(lines)
    return settings


def _line(error: Any) -> str:
    field = str(error["loc"][0]) if error.get("loc") else "?"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    message = message.replace("Input should be", "should be").partition(", unable to")[0]
    message = message.replace("a valid integer", "a whole number")
    return f"{env_name(field)}={error.get('input')!s}: {message}"


def problems(settings: Settings) -> list[str]:
    """What the types cannot say: a taxonomy file that is missing or broken, a model or mapper no one knows."""
    from miner.cli.app import embedding_model_problem
    from miner.errors import MinerError
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.mapper import MAPPERS

    lines = []
    if settings.taxonomy is not None:
        if not settings.taxonomy.is_file():
            lines.append(f"{env_name('taxonomy')}={settings.taxonomy}: no such file; give a taxonomy YAML, or unset "
                         "it for the built-in taxonomy")  # fmt: skip
        else:
            try:
                load_taxonomy(settings.taxonomy)
            except (MinerError, OSError) as err:
                lines.append(f"{env_name('taxonomy')}={settings.taxonomy}: {err}")
    if problem := embedding_model_problem(settings.embedding_model):
        lines.append(f"{env_name('embedding_model')}={settings.embedding_model}: {problem}")
    if settings.mapper not in MAPPERS:
        lines.append(f"{env_name('mapper')}={settings.mapper}: no such mapper; use {' or '.join(MAPPERS)}")
    return lines


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """A warning for each TOUCHPOINTS_* variable nothing reads (in the environment or .env), naming the closest."""
    from dotenv import dotenv_values

    names = set(os.environ if environ is None else environ)
    env_file = Settings.model_config.get("env_file")
    if environ is None and isinstance(env_file, str) and os.path.isfile(env_file):
        names |= {name for name in dotenv_values(env_file) if name}
    known = {env_name(field) for field in Settings.model_fields} | MINER_VARIABLES
    warnings = []
    for name in sorted(n for n in names if n.upper().startswith(PREFIX) and n.upper() not in known):
        close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.6)
        hint = f": did you mean {close[0]}?" if close else f"; the settings are {', '.join(sorted(known))}"
        warnings.append(f"Warning: {name} is not a setting, so it is ignored{hint}")
    return warnings
