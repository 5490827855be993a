"""`touchpoints taxonomy check`, `suggest` and `review`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from miner.cli.app import ReadDbOpt, check_embedding_model, fail, taxonomy_app
from miner.defaults import DEFAULT_EMBEDDING, EMBEDDING_HELP
from miner.errors import MinerError
from miner.wording import counted

FEW_EXAMPLES = 20  # examples (a touchpoint's and its children's) under which `taxonomy check` warns


class Output(StrEnum):
    yaml = "yaml"
    json = "json"


@taxonomy_app.command("check")
def taxonomy_check(
    file: Annotated[Path, typer.Argument(help="Taxonomy YAML file.")],
    overlap: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Warn when examples of two touchpoints are this similar (0-1).")
    ] = 0.85,
    embedding_model: Annotated[
        str,
        typer.Option(
            help="The plain packaged MiniLM by default: the tuned encoder was trained to pull each touchpoint's "
            "examples apart from the others', so it would hide overlaps. " + EMBEDDING_HELP
        ),
    ] = "minilm",
) -> None:
    """Validate a taxonomy file, summarise it, and warn about touchpoints whose examples overlap and about words
    concentrated in one touchpoint's examples that are not what it is about ("flight", "pizza")."""
    from miner.embed import get_embedder
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.check import child_stages, concentrated_words, overlapping_examples

    check_embedding_model(embedding_model)
    try:
        tax = load_taxonomy(file)
        embed = get_embedder(embedding_model).embed
        overlaps = overlapping_examples(tax, embed, overlap)
        words = concentrated_words(tax, embed=embed)
    except MinerError as err:
        fail(str(err))
        return
    thin = []
    for top in tax.touchpoints:
        examples, subs = len(top.all_examples()), len(list(top.walk())) - 1
        word = "example" if examples == 1 else "examples"  # padded: the columns line up either way
        typer.echo(f"{top.id:<18} {top.stage:<14} {examples:>4} {word:<8}  {counted(subs, 'sub-touchpoint')}")
        if examples < FEW_EXAMPLES:
            thin.append(f"{top.id} ({examples})")
    if thin:
        typer.echo(
            f"warning: few examples: {', '.join(thin)}. A touchpoint with under {FEW_EXAMPLES} maps only complaints "
            "worded like them; a few dozen covering what goes wrong there map better (docs/guide/taxonomy.md)"
        )
    for said in child_stages(tax):
        typer.echo(f"warning: {said}")
    for o in overlaps:
        typer.echo(
            f"warning: {o.touchpoint}: “{o.example}” overlaps {o.nearest_touchpoint}: “{o.nearest}” ({o.similarity})"
        )
    for w in words:
        typer.echo(
            f"warning: {w.touchpoint}: “{w.word}” is in {w.examples} of its examples ({w.share:.0%} of all that use "
            "it) but not in its name or description: an industry's word can outvote what went wrong; spread it "
            "over other touchpoints' examples or rephrase"
        )
    corrections = f", {counted(len(tax.corrections), 'correction')}" if tax.corrections else ""
    typer.echo(
        f"OK: {file} ({tax.name} {tax.version}, {counted(len(tax.touchpoints), 'touchpoint')}{corrections}, "
        f"{counted(len(overlaps), 'overlap')}, {counted(len(words), 'concentrated word')})"
    )


@taxonomy_app.command("suggest")
def taxonomy_suggest(
    db: ReadDbOpt = Path("touchpoints.db"),
    min_size: Annotated[int, typer.Option(min=2, help="Smallest cluster worth a touchpoint.")] = 3,
    format: Annotated[Output, typer.Option("--format", help="yaml (ready to paste) or json.")] = Output.yaml,
    embedding_model: Annotated[str, typer.Option(help=EMBEDDING_HELP)] = DEFAULT_EMBEDDING,
) -> None:
    """Cluster complaints that fit no touchpoint, or a topic spread thin over several, and propose new touchpoints,
    with sizes and quotes."""
    from miner.embed import EmbeddingCache, get_embedder
    from miner.store import open_to_read
    from miner.touchpoints.suggest import as_yaml, suggest_touchpoints, to_json

    check_embedding_model(embedding_model)
    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    database = open_to_read(db)  # it only reads, as `review` does
    suggestions = suggest_touchpoints(database, EmbeddingCache(get_embedder(embedding_model), database),
                                      min_size=min_size)  # fmt: skip
    if format is Output.json:
        typer.echo(to_json(suggestions))
        return
    if not suggestions:
        typer.echo(
            "# No cluster of unmapped complaints, nor a topic spread thin over several touchpoints, is large "
            "enough to suggest a touchpoint."
        )
        return
    for s in suggestions:
        where = ""
        if spread := s.get("spread"):  # a topic filed thin under several touchpoints, not under none
            where = f" filed under {', '.join(f'{tp} {n}' for tp, n in spread.items())}"
        typer.echo(f"# {s['name']}: {counted(s['size'], 'complaint')}{where}, e.g. “{s['quotes'][0]}”")
    typer.echo(as_yaml(suggestions))


@taxonomy_app.command("review")
def taxonomy_review(
    db: ReadDbOpt = Path("touchpoints.db"),
    limit: Annotated[int, typer.Option(min=1, help="How many complaints to list.")] = 50,
    taxonomy: Annotated[
        Path | None, typer.Option(help="The taxonomy the run used (default: the one the run stored).")
    ] = None,
    format: Annotated[Output, typer.Option("--format", help="yaml (ready to check and paste) or json.")] = Output.yaml,
    embedding_model: Annotated[
        str | None, typer.Option(help=EMBEDDING_HELP + " Default: the encoder the run was mined with.")
    ] = None,
) -> None:
    """List the complaints the latest run was least sure of, as corrections to check and paste into the taxonomy.

    Each shows the touchpoint the run chose and the runner-up. Fix the wrong ones, delete any that are no
    complaint, and add the block to your taxonomy: the next run learns from them. Complaints the run filed under
    no touchpoint come last in each round, commented out with their nearest touchpoint: uncomment the right ones."""
    import json

    from miner.embed import EmbeddingCache, get_embedder
    from miner.store import open_to_read
    from miner.store.runs import find_run, run_encoder, run_taxonomy
    from miner.touchpoints import load_taxonomy
    from miner.touchpoints.review import as_yaml, least_sure

    if embedding_model is not None:
        check_embedding_model(embedding_model)
    if not db.exists():
        fail(f"{db}: no such database. Mine some feedback first: touchpoints mine FILE --db {db}")
    database = open_to_read(db)  # it only reads: a read-only copy (a mounted snapshot) will do
    run = find_run(database)
    if run is None:
        fail(f"{db}: no complete run to review. Mine some feedback first: touchpoints mine FILE --db {db}")
        return
    try:
        tax = load_taxonomy(taxonomy) if taxonomy else run_taxonomy(run)  # a custom one need not be given again
        encoder = get_embedder(embedding_model or run_encoder(run) or DEFAULT_EMBEDDING)
        picks = least_sure(database, EmbeddingCache(encoder, database), tax, limit=limit)
    except MinerError as err:
        fail(str(err))
        return
    if format is Output.json:
        typer.echo(json.dumps(picks, indent=2, ensure_ascii=False))
        return
    if not picks:
        typer.echo("# The latest run found no complaint: nothing to review.")
        return
    spread = len({p["touchpoint"] for p in picks if p["touchpoint"] != "none"})
    nones = sum(p["touchpoint"] == "none" for p in picks)
    typer.echo(
        f"# {counted(len(picks), 'complaint')} to check: each of {counted(spread, 'touchpoint')}' least sure in "
        "turn (a small\n# touchpoint's least sure may still be a clear call: the `lead` says how clear). Check each\n"
        "# touchpoint (the runner-up is beside it), fix the wrong ones, delete any that are no complaint, and add\n"
        "# the entries under your taxonomy's `corrections:` (one list: where it has one, paste them below its\n"
        "# entries, without this block's `corrections:` line); the next run learns from them."
    )
    if nones:
        typer.echo(
            f"# {counted(nones, 'complaint')} the run filed under no touchpoint (`none`) take the last turn of each "
            "round,\n# commented out with the nearest touchpoint: uncomment the ones about it (or name the right "
            'one);\n# one that names no touchpoint at all ("Never again.") belongs in `none_examples`.'
        )
    typer.echo(as_yaml(picks), nl=False)
