"""Settings bundles by name: `touchpoints mine --profile batch`, the API's `{"profile": "batch"}`, `eval --profile`.

A profile names the encoder, the segmenter and whether PII is redacted; an option given explicitly (`--segmenter
spacy`) wins over the profile's. Light to import: `--help` and the API's schemas read `PROFILES`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from miner.defaults import DEFAULT_EMBEDDING
from miner.errors import MinerError


@dataclass(frozen=True)
class Profile:
    """What a profile sets; the rest of a run (taxonomy, mapper, columns) is the same under every profile."""

    name: str
    embedding_model: str
    segmenter: str  # a registry name of miner.segment.SEGMENTERS: spacy or rules
    redact: bool
    summary: str

    def with_overrides(
        self, *, embedding_model: str | None = None, segmenter: str | None = None, redact: bool | None = None
    ) -> Profile:
        """This profile with each option that was given explicitly (not None) in place of its own."""
        return replace(
            self,
            embedding_model=self.embedding_model if embedding_model is None else embedding_model,
            segmenter=self.segmenter if segmenter is None else segmenter,
            redact=self.redact if redact is None else redact,
        )


PROFILES: dict[str, Profile] = {
    "default": Profile(
        "default",
        DEFAULT_EMBEDDING,
        "spacy",
        True,
        "the tuned encoder, spaCy clauses, PII redacted: the report an analyst shows",
    ),
    "batch": Profile(
        "batch",
        "fast",
        "rules",
        True,
        "the fast tier (model2vec), regex clauses, PII redacted: nightly and bulk jobs",
    ),
}
DEFAULT_PROFILE = "default"
PROFILE_SUMMARY = "; ".join(f"{p.name}: {p.summary}" for p in PROFILES.values())
PROFILE_HELP = PROFILE_SUMMARY + (
    ". Options given explicitly (--embedding-model, --segmenter, --redact/--no-redact) win over the profile."
)


def get_profile(name: str) -> Profile:
    """The profile named `name`; an unknown name is refused with the names there are."""
    try:
        return PROFILES[name]
    except KeyError:
        raise MinerError(f"--profile {name}: use {' or '.join(PROFILES)}") from None
