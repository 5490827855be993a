"""Settings from environment variables (prefix TOUCHPOINTS_) or a `.env` file, behind a cached dependency."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from api.prefix import normalised
from miner.defaults import DEFAULT_EMBEDDING

_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s]+")


class Settings(BaseSettings):
    """Every setting of the server; `touchpoints serve` builds one (its --db over TOUCHPOINTS_DB) for `create_app`."""

    model_config = SettingsConfigDict(env_prefix="TOUCHPOINTS_", env_file=".env", extra="ignore")

    db: Path = Field(default=Path("touchpoints.db"), description="Main SQLite file: workspaces, keys, datasets, runs.")
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING,
        description="'tuned' (MiniLM fine-tuned on the taxonomy), 'tuned:PATH' (the same recipe on another "
        "sentence-transformers model), 'minilm', 'fast', 'compact' (the tuned encoder cut to one layer, "
        "docs/lab/compact.md), 'fake' (tests only) "
        "or a sentence-transformers path.",
    )
    spacy_model: str = Field(default="en_core_web_sm", description="spaCy pipeline name or path.")
    mapper: str = Field(default="examples", description="Touchpoint mapper: examples or centroid.")
    taxonomy: Path | None = Field(default=None, description="Taxonomy YAML for workspaces that never PUT one.")
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, description="Largest accepted upload (413 beyond it)."
    )
    max_json_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1,
        description="Largest JSON body or .json file in an upload, parsed whole (413 beyond it; JSONL/CSV stream).",
    )
    max_rows: int = Field(
        default=1_000_000, ge=1, description="Most rows in one dataset, over all its files (413 beyond it)."
    )
    rate_limit: int = Field(
        default=600, ge=0, description="Requests per minute per workspace (429 beyond it); 0 turns it off."
    )
    max_taxonomy_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, description="Largest PUT /v1/taxonomy body (413 beyond it)."
    )
    max_examples: int = Field(
        default=2_000,
        ge=1,
        description="Most examples per touchpoint (and none_examples) in a PUT taxonomy (413 beyond).",
    )
    max_taxonomy_versions: int = Field(
        default=20, ge=1, description="Taxonomy versions kept per workspace; older ones are deleted (runs keep a copy)."
    )
    keep_runs: int = Field(
        default=0,
        ge=0,
        description="Completed runs whose results a workspace keeps: after each run, the results of older ones are "
        "deleted (`touchpoints runs prune --keep N`; each run stores a full copy, so a workspace mined every night "
        "grows by one a night). 0: keep every run.",
    )
    auth_failures: int = Field(
        default=10,
        ge=0,
        description="Wrong API keys per minute per client address before 429 (for wrong keys only: a valid key "
        "always goes through); 0 turns it off.",
    )
    forwarded_allow_ips: str = Field(
        default="",
        description="Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, "
        "comma-separated (IPs or networks, e.g. '127.0.0.1,10.0.0.0/8'; '*' for any). None by default: the client "
        "address is the connection's, whatever a caller's headers say.",
    )
    workers: int = Field(
        default=2,
        ge=1,
        description="Runs mined at the same time, taken from the workspaces' queues in turn; one workspace "
        "holds at most workers - 1 of them (and runs one at a time), so the others are never all kept waiting.",
    )
    run_budget_s: float = Field(
        default=3600,
        ge=0,
        description="Longest a run may take, in seconds (it fails beyond it, with a message); 0: none.",
    )

    root_path: str = Field(
        default="",
        description="Path prefix the server is reached under behind a reverse proxy, e.g. '/touchpoints' (the "
        "proxy may strip it or pass it on); the pages, /docs and redirects keep it. `serve --root-path` wins. "
        "None by default.",
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Origins a browser may call the API from (CORS), comma-separated, e.g. "
        "'https://dash.example.com,http://localhost:3000'; '*' for any. None by default: no CORS headers.",
    )

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        """One leading '/', none trailing: '/touchpoints' however it was written."""
        return normalised(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """A comma-separated list; a trailing '/' dropped, since a browser's Origin never has one."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(v).strip().rstrip("/") for v in value if str(v).strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        """An origin as a browser sends it: an origin with a path was accepted, then matched no request."""
        for origin in value:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"'{origin}' is not an origin: give scheme://host[:port], no path (or '*')")
        return value

    @property
    def workspaces_dir(self) -> Path:
        """One data file per workspace lives here, next to the main database."""
        return self.db.with_name(self.db.name.removesuffix(".db") + ".workspaces")


@lru_cache
def get_settings() -> Settings:
    return Settings()
