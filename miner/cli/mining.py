"""`touchpoints mine` and `eval`: import and analyse feedback, score quality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from miner.cli.app import (
    TAXONOMY_HELP,
    DbOpt,
    OnError,
    TaxonomyOpt,
    app,
    check_count,
    check_embedding_model,
    check_out,
    discard_new_db,
    fail,
)
from miner.cli.notes import note_changes, note_same_names, note_skipped, stored_taxonomy
from miner.defaults import EMBEDDING_HELP, EXPORT_AUTHORS_HELP
from miner.errors import MinerError
from miner.pipeline.profiles import DEFAULT_PROFILE, PROFILE_HELP, PROFILES, Profile

ProfileOpt = Annotated[str, typer.Option(help=PROFILE_HELP)]
# A nightly job that left --taxonomy out went back to the bundled taxonomy, discarding the one the database used
MineTaxonomyOpt = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        help=TAXONOMY_HELP + " Default: the one the database's latest run used (stored in it; a line says so where "
        "it is not the bundled one), else the bundled one.",
        show_default=False,
    ),
]


@app.command()
def mine(
    paths: Annotated[
        list[Path], typer.Argument(help="Feedback files or folders (CSV, TSV, XLSX, Parquet, JSON, JSONL, TXT).")
    ],
    db: DbOpt = Path("touchpoints.db"),
    taxonomy: MineTaxonomyOpt = None,
    text_col: Annotated[
        list[str] | None,
        typer.Option(
            help="Column holding the feedback text; repeat it to mine several (one item per row and column). On a "
            "survey export, the open-text questions to mine, by their header (default: all of them).",
            metavar="<str>",
        ),
    ] = None,
    title_col: Annotated[
        list[str] | None, typer.Option(help="Column holding a review title, mined with the text.", metavar="<str>")
    ] = None,
    rating_col: Annotated[
        list[str] | None, typer.Option(help="Column holding a star rating, CSAT or NPS score.", metavar="<str>")
    ] = None,
    date_col: Annotated[list[str] | None, typer.Option(help="Column holding the date.", metavar="<str>")] = None,
    id_col: Annotated[
        list[str] | None, typer.Option(help="Column holding the source's own id (for de-duplication).", metavar="<str>")
    ] = None,
    date_order: Annotated[
        str | None,
        typer.Option(
            help="dmy: dates like 03/04/2026 are day-first (3 April); mdy: month-first (4 March). Default: as the "
            "dates over 12 show, else as earlier files of the database did, else day-first in a ';' file with "
            "decimal commas, else month-first.",
            show_default=False,
        ),
    ] = None,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            help="A workbook's sheet to read (default: the first that holds a text column; one is read per workbook).",
            metavar="<str>",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="review, survey or transcript (default: detected). survey reads a plain table as a survey export: "
            "a blank comment is a respondent who only scored, not a bad row. transcript sets the kind only: rows "
            "join into conversations where a speaker column (speaker, role, participantPurpose...) sits beside an "
            "id that repeats."
        ),
    ] = None,
    customer_speaker: Annotated[
        list[str] | None,
        typer.Option(
            help="A transcript's speaker label that is the customer's side, any case (SPEAKER_01, Caller, A, Left); "
            "repeat it for several. It decides the side of that label in every transcript shape (prefixed lines, a "
            "speaker column, JSON messages), and every other speaker whose label names no role is the agent's. "
            "Without it the sides are read from the labels, numbered speakers (Speaker 1, spk_0) by who says what "
            "agents say or, failing that, who speaks first: an outbound call can be read backwards. A label no "
            "transcript of a file uses is an error. " + EXPORT_AUTHORS_HELP,
            metavar="<str>",
        ),
    ] = None,
    agent_speaker: Annotated[
        list[str] | None,
        typer.Option(
            help="A transcript's speaker label that is the company's side (SPEAKER_00, Rep, B, Right); repeatable. "
            "Given alone, every other speaker whose label names no role is a customer. In a Zendesk or Intercom "
            "export, an author's id, name, e-mail address, e-mail domain (@acme.com: every author at acme.com is the "
            "company's) or role, as --customer-speaker says.",
            metavar="<str>",
        ),
    ] = None,
    append: Annotated[
        bool,
        typer.Option(
            "--append",
            help="Each file holds only the messages since the last export (a nightly 'messages since last run' chat "
            "export): a conversation whose id is stored gets the new messages added, the ones it holds already left "
            "out. Without it that is done where every message has its own id (a message_id column); a part without "
            "ids is stored beside the stored conversation, which then counts twice.",
        ),
    ] = False,
    on_error: Annotated[
        OnError, typer.Option(help="fail: stop at the first bad row; skip: leave bad rows out.")
    ] = OnError.fail,
    profile: ProfileOpt = DEFAULT_PROFILE,
    redact: Annotated[
        bool | None,
        typer.Option(
            "--redact/--no-redact",
            help="Redact names, emails, phones, cards, IBANs, SSNs, NI numbers and addresses in every field, id "
            "and file name, and account numbers after their name in every field, before storing (default: the "
            "profile's, on in both).",
            show_default=False,
        ),
    ] = None,
    embedding_model: Annotated[
        str | None,
        typer.Option(help=EMBEDDING_HELP + " Default: the profile's (tuned; batch: fast).", show_default=False),
    ] = None,
    segmenter: Annotated[
        str | None,
        typer.Option(
            help="spacy: clauses from spaCy's dependency parse; rules: regular expressions, ~50x faster, "
            "for large batch jobs (docs/performance.md compares them). Default: the profile's (spacy; batch: rules).",
            show_default=False,
        ),
    ] = None,
    spacy_model: Annotated[str, typer.Option(help="spaCy pipeline name or path (with --segmenter spacy).")] = (
        "en_core_web_sm"
    ),
    mapper: Annotated[str, typer.Option(help="Touchpoint mapper: examples or centroid.")] = "examples",
    incremental: Annotated[
        bool,
        typer.Option(
            "--incremental/--refit",
            help="--incremental: mine only new documents against the last run's pain points (no refit, ids kept); "
            "--refit (default): re-cluster everything, keeping the ids of pain points that did not change.",
        ),
    ] = False,
    engine: Annotated[
        str, typer.Option(help="local (this process) or ray (Ray Data; see docs/performance.md).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="With --engine ray: the cluster, ray://HEAD:10001 or auto (default: local Ray).")
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            help="Also write the top pain points as JSON to this file, with each file's import counts (`imports`)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="Touchpoints to print at the end (1 or more).")] = 5,
) -> None:
    """Import feedback files into the database and mine them for pain points by touchpoint.

    English text only: items in other languages, in other scripts or with no word (emoji only) are stored and
    counted among the items but left unread, adding no complaint; mine, the report and top say how many (see
    docs/guide/input.md, "Languages: English only"). Translate such feedback first, or mine it apart.

    Exit status: 0 done; 2 bad input or options; 130 or 143 interrupted;
    75 another `touchpoints mine` is working on the same database: this one
    stopped before reading anything (nothing is lost: try again later); 75
    too when another program held the database locked for over 30 s."""
    from miner.cli.app import interruptible
    from miner.embed import get_embedder
    from miner.ingest import ColumnMap, discover
    from miner.ingest.speakers import both_sides
    from miner.pipeline import LocalEngine, MineOptions, get_engine
    from miner.pipeline import mine as run_mine
    from miner.progress import RichProgress
    from miner.report import top_pain_points
    from miner.report.render import print_table
    from miner.segment import get_segmenter
    from miner.segment.scripts import unread_notes
    from miner.store import open_db
    from miner.store.busy import BUSY_EXIT, Busy, mining
    from miner.store.pii_key import published_key_note, uses_published_key
    from miner.store.runs import latest_run
    from miner.touchpoints import load_taxonomy

    chosen = _profile(profile).with_overrides(embedding_model=embedding_model, segmenter=segmenter, redact=redact)
    _check_choices(chosen.segmenter, mapper, chosen.embedding_model)
    if engine not in ("local", "ray"):
        fail(f"--engine {engine}: use local or ray")
    _check_kind(kind)
    if date_order is not None and date_order not in ("dmy", "mdy"):
        fail(f"--date-order {date_order}: use dmy (day-first, 03/04/2026 is 3 April) or mdy (month-first)")
    check_count("--limit", limit)
    if both := both_sides(customer_speaker or (), agent_speaker or ()):
        fail(f"--customer-speaker and --agent-speaker both name '{both}': give each label one side")
    if json_out is not None:
        check_out(json_out, "--json-out")
    texts = tuple(text_col or ())
    columns = ColumnMap(
        text=texts[0] if len(texts) == 1 else None, texts=texts if len(texts) > 1 else (),
        title=_one("--title-col", title_col), rating=_one("--rating-col", rating_col),
        date=_one("--date-col", date_col), id=_one("--id-col", id_col), kind=kind, sheet=_one("--sheet", sheet),
        date_order=date_order, customer_speakers=tuple(customer_speaker or ()),
        agent_speakers=tuple(agent_speaker or ()), append=append,
    )  # fmt: skip
    created, database = not db.exists(), None
    try:
        options = MineOptions(
            taxonomy=load_taxonomy(taxonomy) if taxonomy else None,  # else the database's (`stored_taxonomy`)
            embedder=get_embedder(chosen.embedding_model),
            segmenter=get_segmenter("rules" if chosen.segmenter == "rules" else spacy_model),
            mapper=mapper,
            columns=columns,
            on_error=on_error.value,
            redact_pii=chosen.redact,
            incremental=incremental,
        )
        skipped: list[Path] = []
        files = discover(paths, skipped)  # a missing path or an empty folder is refused before the database is created
        progress = RichProgress()
        if not chosen.redact:
            progress.note(
                "Warning: --no-redact: emails, phone numbers, names and ids are stored and shown as they are; "
                "the run records it, and `workspaces import` refuses the database unless --allow-unredacted"
            )
        note_skipped(skipped, progress, chosen.redact)
        note_same_names(files, progress, chosen.redact)
        database = open_db(db)
        with mining(db, database):  # a second mine on the database stops here (BUSY_EXIT)
            if chosen.redact and uses_published_key(database):
                progress.note(published_key_note(str(db)))
            if taxonomy is None:
                options.taxonomy = stored_taxonomy(database, progress)
            if engine == "ray":  # the same pipeline, importing and embedding on Ray Data
                options.engine = get_engine("ray", embedding_model=chosen.embedding_model, address=address)
            else:  # a fresh process: a second one loads spaCy and redacts while this one fits (docs/lab/nightly.md)
                options.engine = LocalEngine(start_up=True)
            last = latest_run(database)
            with interruptible():  # SIGTERM as SIGINT: the run is marked failed, one line, exit 143 or 130
                imports, run_id = run_mine(database, paths, options, progress)
            for imp in (i for i in imports if i.state == "imported"):  # an empty file's warning said it
                for note in (imp.summary(), *unread_notes(imp.path, imp.other_script, imp.no_segments, imp.languages)):
                    progress.note(note)
            if run_id is not None and (last is None or run_id != last["id"]):  # else no run was made
                note_changes(database, run_id, progress)
            # nothing stored at all (an empty first night): no run, and no pain points to show
            result = top_pain_points(database, limit=limit, run_id=run_id) if run_id is not None else None
    except Busy as err:  # the database is the other mine's, however new: never discarded here
        fail(str(err), BUSY_EXIT)
        return
    except MinerError as err:
        if created:  # nothing of a first mine that failed stays behind
            discard_new_db(db, database)
        fail(str(err))
        return
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)  # as report --out and export --out do
        whole = {**(result or {"run": None, "touchpoints": []}), "imports": [imp.counts() for imp in imports]}
        json_out.write_text(json.dumps(whole, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if result is not None:
        print_table(result)


def _profile(name: str) -> Profile:
    """The profile named by --profile; an unknown name is refused before anything is read or created."""
    if name not in PROFILES:
        fail(f"--profile {name}: use {' or '.join(PROFILES)}")
    return PROFILES[name]


def _check_choices(segmenter: str, mapper: str, embedding_model: str | None = None) -> None:
    """Refuse an unknown --segmenter, --mapper or --embedding-model before anything is read or created."""
    from miner.segment import SEGMENTERS
    from miner.touchpoints.mapper import MAPPERS

    if segmenter not in SEGMENTERS:
        fail(f"--segmenter {segmenter}: use {' or '.join(SEGMENTERS)}")
    if mapper not in MAPPERS:
        fail(f"--mapper {mapper}: use {' or '.join(MAPPERS)}")
    if embedding_model is not None:
        check_embedding_model(embedding_model)


def _check_kind(kind: str | None) -> None:
    from miner.ingest import KINDS

    if kind is not None and kind not in KINDS:
        fail(f"--kind {kind}: use {', '.join(KINDS[:-1])} or {KINDS[-1]} (or leave it out to detect it)")


def _one(name: str, values: list[str] | None) -> str | None:
    """A column option given once; given twice, the last one was taken without a word."""
    if values and len(values) > 1:
        such = "one such column" if name.endswith("-col") else "one sheet read"
        fail(f"{name} given {len(values)} times ({', '.join(repr(v) for v in values)}): a file has {such}; "
             "give it once (only --text-col may be repeated)")  # fmt: skip
    return values[0] if values else None


@app.command("eval")
def evaluate(
    file: Annotated[
        Path,
        typer.Argument(
            help="Labelled JSONL, one object a line: id, text, complaint (true, false or null) and gold: a touchpoint "
            'id of the taxonomy or a list of them ("delivery", ["delivery", "website"]; "none" for a complaint that '
            "names no touchpoint; null when unknown); a rating, date and title are read as `mine` reads them. See "
            "docs/quality.md."
        ),
    ],
    predictions: Annotated[Path | None, typer.Option(help="Write one prediction per item to this JSONL file.")] = None,
    taxonomy: TaxonomyOpt = None,
    mapper: Annotated[
        str, typer.Option(help="Touchpoint mapper: examples or centroid (the naive anchor).")
    ] = "examples",
    segment: Annotated[bool, typer.Option("--segment/--no-segment", help="Split texts into clauses first.")] = True,
    profile: ProfileOpt = DEFAULT_PROFILE,
    embedding_model: Annotated[
        str | None,
        typer.Option(help=EMBEDDING_HELP + " Default: the profile's.", show_default=False),
    ] = None,
    segmenter: Annotated[
        str | None,
        typer.Option(
            help="spacy (dependency parse) or rules (regular expressions). Default: the profile's.", show_default=False
        ),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Embedding cache file. Default: $TOUCHPOINTS_EVAL_CACHE, else eval-embeddings.db beside the built "
            "models ($TOUCHPOINTS_CACHE, else ~/.cache/touchpoint-miner).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N items.")] = None,
    json_out: Annotated[Path | None, typer.Option(help="Write the scores as JSON to this file.")] = None,
) -> None:
    """Score touchpoint accuracy@1, macro-F1 and complaint F1 on a labelled JSONL file.

    The file is mined as `touchpoints mine` would (same pipeline, into a temporary database) and each item is
    scored on what the run stored: an item is a complaint when one of its clauses is; its touchpoint is the
    rank-0 touchpoint of its complaint clause with the highest rank-0 score (none when the mapper abstained on
    all of them). An item with no complaint clause has the touchpoint the run stored for its most
    complaint-like clause, so accuracy@1 scores the mapping and complaint F1 the detector; "end to end" counts
    a missed complaint as none. Embeddings are cached between evaluations in the --cache file; point it at a new
    file for figures that depend on nothing read before (make eval does). A gold id the taxonomy does not have is
    refused, naming its line; a sub-touchpoint's (claims/adjuster) is scored as its parent's (claims): predictions,
    accuracy@1 and macro-F1 are of top-level touchpoints. An item with two gold touchpoints is a hit for
    accuracy@1 when its touchpoint is either one; macro-F1 counts it toward the recall of each, so the one not
    predicted counts a miss (make eval scores the same way).

    Each figure comes with its 95% bootstrap interval (1,000 resamples of the items, seed 0, as make eval) and the
    items it rests on: accuracy@1 and macro-F1 the complaints with gold, complaint F1 the items with a complaint
    label; a figure on fewer than 30 items is warned of. --json-out holds the intervals (intervals), the counts
    (scored, complaint_items, complaints) and the figures on few items (few_items).

    A line reads: {"id": "e1", "text": "The driver was an hour late.", "complaint": true, "gold": "delivery"}"""
    from miner.eval.run import run_eval

    chosen = _profile(profile).with_overrides(embedding_model=embedding_model, segmenter=segmenter)
    _check_choices(chosen.segmenter, mapper, chosen.embedding_model)
    check_count("--limit", limit)
    for out, option in ((predictions, "--predictions"), (json_out, "--json-out")):
        if out is not None:
            check_out(out, option)  # before the mining: it failed only once the scores were made

    try:
        scores = run_eval(
            file,
            predictions_out=predictions,
            taxonomy_path=taxonomy,
            mapper=mapper,
            segment=segment,
            embedding_model=chosen.embedding_model,
            segmenter=chosen.segmenter,
            cache=cache,
            limit=limit,
            redact_pii=chosen.redact,
        )
    except MinerError as err:
        fail(str(err))
        return
    from miner.eval.run import print_scores

    print_scores(file.name, scores)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(scores.__dict__, indent=2) + "\n", encoding="utf-8")
