"""Errors that reach users: each names the file, the line or field, and what to do."""

from __future__ import annotations


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
    ) -> None:
        self.path, self.problem, self.line, self.field, self.hint = path, problem, line, field, hint
        where = str(path)
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        message = f"{where}: {problem}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class TaxonomyError(MinerError):
    """A taxonomy file that does not validate."""


class ModelError(MinerError):
    """A model that cannot be found or loaded."""
