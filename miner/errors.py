"""Errors that reach users: each names the file, the line or field, the kind of problem and what to do, and never
quotes the value itself: a rejected cell can hold a phone number, and the message reaches the CLI, the API's
responses and the control database."""

from __future__ import annotations

import re


def describe(value: object) -> str:
    """What a rejected value looks like, without the value: "a number", "12 characters: digits and spaces"."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    text = str(value)
    kinds = [name for name, pattern in (("letters", r"[^\W\d_]"), ("digits", r"\d"), ("spaces", r"\s"),
                                        ("punctuation", r"[^\w\s]")) if re.search(pattern, text)]  # fmt: skip
    return f"{len(text)} characters: {', '.join(kinds) or 'none'}"


class MinerError(Exception):
    """Base class for every error the CLI and API report as one clear sentence."""


class InputError(MinerError):
    """A feedback file that cannot be read as it is."""

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        unit: str = "line",
    ) -> None:
        from miner.segment.pii import pseudonymise_path, redact

        problem = redact(problem)  # a safety net: problems are written without values
        self.path, self.problem, self.line, self.field, self.hint = path, problem, line, field, hint
        self.unit = unit
        where = pseudonymise_path(str(path))
        if line is not None:
            where += f", {unit} {line}"
        if field is not None:
            where += f", field '{field}'"
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)

    def counted_in(self, unit: str) -> InputError:
        """The same error with its position named in `unit`: "record 4" of a JSON array, which has no lines."""
        return InputError(self.path, self.problem, line=self.line, field=self.field, hint=self.hint, unit=unit)


class TaxonomyError(MinerError):
    """A taxonomy file that does not validate."""


class DatabaseError(MinerError):
    """A database file that is not one this command can use."""


class ModelError(MinerError):
    """A model that cannot be found or loaded."""


class EngineError(MinerError):
    """An engine that cannot start or reach its workers: a Ray cluster address where no cluster answers."""
