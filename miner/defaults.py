"""Defaults shared by the CLI, the API settings and the library, in a module light enough for `--help`."""

import os
from pathlib import Path

# Said by `mine --customer-speaker` and the upload's customer_speaker alike: which fields of a helpdesk export a speaker
# label matches (`ingest.conversations`, `ingest.speakers.Speakers.author_side`)
EXPORT_AUTHORS_HELP = (
    "In a Zendesk or Intercom export a label names the author of a comment or part: its id (author_id, author.id), "
    "its name (author.name), its e-mail address or domain given as @acme.com (every author at acme.com or a "
    "subdomain of it; the address is author.email, that of a user side-loaded in a users list, or an e-mailed "
    "Zendesk comment's via.source.from.address), or its role (Zendesk's author_role or author.role: end-user, agent, "
    "admin; Intercom's author.type: user, lead, contact, admin, team, bot), matched in that order; it decides that "
    "author's side over the role the export gives, and the authors not named keep their role's side (a private note "
    "stays the company's)."
)

DEFAULT_EMBEDDING = "tuned"
EMBEDDING_HELP = (
    "'tuned' (MiniLM fine-tuned on the taxonomy's examples, with a complaint head on its vectors; built once, see "
    "`touchpoints setup-models`), 'tuned:PATH' (the same recipe on another sentence-transformers model), "
    "'twopass' (tuned, with the complaint encoder reading every segment again, the default before the head), "
    "'threepass' (twopass, pain points clustered on plain MiniLM, the default before issue 21), "
    "'onepass' (one MiniLM tuned for touchpoints and complaints at once: one read of each segment), "
    "'minilm' (the packaged all-MiniLM-L6-v2), 'fast' (model2vec, see `touchpoints setup-fast`), "
    "'compact' (the tuned encoder cut to one layer and distilled: batch jobs nearer the default's accuracy, at "
    "about 4x the hand-written anchor's speed where fast runs at 6-7x; see `touchpoints setup-fast --compact`), "
    "'mpnet' or 'gemma' (optional stronger encoders, see `touchpoints setup-models --optional`) "
    "or a sentence-transformers path. The MiniLM encoders compute in bfloat16 where the CPU has it "
    "(TOUCHPOINTS_PRECISION=fp32 for float32)."
)


def cache_root() -> Path:
    """Where built models and caches live: $TOUCHPOINTS_CACHE, else ~/.cache/touchpoint-miner."""
    return Path(os.environ.get("TOUCHPOINTS_CACHE") or Path.home() / ".cache" / "touchpoint-miner")
