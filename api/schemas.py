"""Request and response schemas, as families: `XCreate` for what a client sends, `XPublic` for what it gets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas_files import FileColumns
from api.schemas_ratings import Question, Rating, RatingNormalised, RatingScale
from api.schemas_unread import ReadItems, UnreadItems, UnreadLanguages
from miner.pipeline.profiles import DEFAULT_PROFILE, PROFILE_SUMMARY, PROFILES

RunStatus = Literal["queued", "running", "cancelling", "complete", "failed", "cancelled"]


class RejectedRow(BaseModel):
    file: str
    line: int | None = Field(description="The line of an uploaded file; null for a JSON body's records.")
    record: int | None = Field(None, description="For a JSON body: the rejected record's index in `records`.")
    field: str | None
    message: str = Field(examples=["reviews.csv, line 7, field 'review': the text is empty"])


class DatasetFile(BaseModel):
    name: str
    rows: int
    accepted: int
    columns: FileColumns | None = Field(
        None, description="The columns the file is read by: check them before a run (name others with text_col, "
        "rating_col, date_col, id_col). Null for a dataset uploaded before 2026-12-07 and for a .txt file.",
    )  # fmt: skip
    imported_at: str | None = Field(
        None, description="When a run imported the file: its items are stored (redacted) and the uploaded file, "
        "raw, was deleted then; later runs skip it. Null until then.",
    )  # fmt: skip
    new_items: int | None = Field(
        None, description="Items the file added when a run imported it: fewer than `accepted` where some were stored "
        "already (the same rows in another upload or an earlier run; a file's name is its items' `source`, so rows "
        "another file stored count under that file's) or erased. Null until a run imports it.",
    )  # fmt: skip
    kept_apart: int | None = Field(
        None, description="Of `new_items`, conversations whose id was stored with other turns, kept beside the stored "
        "one, which then counts twice: an edited conversation, two tools numbering alike, or a nightly export of the "
        "messages since the last one without message ids, uploaded without `append=true` (upload such a part with "
        "it). The run's `kept_apart_note` says so. Null until a run imports the file.",
    )  # fmt: skip


class DatasetPublic(BaseModel):
    id: str = Field(examples=["ds_4f1c2a9e0b7d3c21"])
    name: str
    created_at: str
    files: list[DatasetFile]
    rows: int
    accepted: int
    rejected_count: int
    rejected: list[RejectedRow] = Field(description="The first 100 rejected rows, each naming file, line and field.")


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field must not start a run over every dataset

    dataset_id: str | None = Field(
        None, description="Mine this dataset; leave out to mine every dataset of the workspace.",
        examples=["ds_4f1c2a9e0b7d3c21"],
    )  # fmt: skip
    profile: str = Field(
        DEFAULT_PROFILE, description=f"Settings bundle, as `touchpoints mine --profile`: {PROFILE_SUMMARY}. "
        "`default` reads with the server's configured encoder and spaCy model.",
        json_schema_extra={"enum": list(PROFILES)}, examples=["batch"],
    )  # fmt: skip

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in PROFILES:
            raise ValueError(f"unknown profile '{value}': use one of {', '.join(PROFILES)}")
        return value


FitVerdict = Literal["fits", "weak fit", "does not fit", "not judged"]


class FitPublic(BaseModel):
    """How well the run's corpus fits its taxonomy (docs/guide/taxonomy.md, "When the corpus does not fit")."""

    verdict: FitVerdict = Field(description="'not judged' under 30 complaints.")
    complaints: int = Field(description="Complaint clauses measured (an incremental run: its new ones).")
    none_share: float = Field(description="Share of complaints mapped to `none`.")
    median_margin: float | None = Field(description="Median lead of the best touchpoint over the runner-up.")
    top_share: float = Field(description="Largest share of the mapped complaints one touchpoint takes.")
    top_touchpoint: str | None
    median_best: float | None = Field(description="Median similarity of a complaint to its best touchpoint.")
    reference: float | None = Field(
        description="Median best similarity of the taxonomy's own examples, each held out; null for `centroid`."
    )
    reference_margin: float | None = Field(
        None,
        description="Median lead of the taxonomy's own examples over their runner-up, each held out; null for "
        "`centroid` and for runs made before it was measured.",
    )
    warnings: list[str] = Field(
        description="One sentence per signal that tripped, naming its number; the first says what to do "
        "(label complaints via GET /v1/review, `touchpoints taxonomy suggest`)."
    )


class RunPublic(BaseModel):
    id: str = Field(examples=["run_9b2e4c1d8a7f6e50"])
    dataset_id: str | None
    profile: str = Field(DEFAULT_PROFILE, examples=["default"])
    status: RunStatus
    progress: float = Field(ge=0, le=1, description="0 to 1.")
    stage: str | None = Field(None, examples=["Embedding"], description="The stage in progress; null once finished.")
    error: str | None = None
    taxonomy_version: str | None = Field(
        None, description="The taxonomy version the run reads (null while queued on the default taxonomy)."
    )
    run_number: int | None = Field(
        None, examples=[3], description="The number of the run this job stored, once it has one: `run.id` in "
        "other answers, and what `run=` and `GET /v1/runs/{run_id}` accept as well as this job's `id`."
    )  # fmt: skip
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    fit: FitPublic | None = Field(
        None,
        description="How well the corpus fits the taxonomy, once complete; null after an erasure took complaints "
        "out of the run.",
    )
    total_items: int | None = Field(
        None, description="Once complete: the feedback items the run analysed (those of the imports up to its last, "
        "less any erased since), as `total_items` of GET /v1/pain-points without a filter; null before, and for a "
        "run that failed or was cancelled.",
    )  # fmt: skip
    kept_apart: int | None = Field(
        None, examples=[0], description="Conversations the run's imports stored beside a stored conversation of the "
        "same id that they neither extend nor edit, which then counts twice (a nightly export of the messages since "
        "the last one, without message ids, uploaded without `append=true`), as each file's `kept_apart` in GET "
        "/v1/datasets/{id}; null until the run has imported, and for a run of `touchpoints mine`.",
    )  # fmt: skip
    kept_apart_note: str | None = Field(
        None, description="Why `kept_apart` is over 0 and what to do: a nightly export of the messages since the last "
        "one without message ids is uploaded with `append=true`, which adds its messages to the stored conversation. "
        "Null when it is 0 or null.",
    )  # fmt: skip
    read_items: ReadItems = Field(None, description="Of `total_items`, those read (null until complete).")
    unread_items: UnreadItems = Field(None, description="Of `total_items`, those not read: another language, no "
                                      "English text, no word (null until complete).")  # fmt: skip
    unread_languages: UnreadLanguages = None


class RunInfo(BaseModel):
    """The analysis run an answer comes from: models and taxonomy recorded, so counts can be traced."""

    id: int = Field(
        description="The run's number: give it as `run=` to read this run again (the next page, a pain "
        "point id kept for later), whatever runs finish meanwhile."
    )
    finished_at: str | None
    embedding_model: str | None
    mapper: str | None
    taxonomy_name: str | None
    taxonomy_version: str | None
    taxonomy_fingerprint: str | None
    documents: int | None
    segments: int | None
    complaints: int | None
    fit: FitPublic | None = Field(
        None,
        description="How well the corpus fits the taxonomy; null for older runs, and after an erasure took "
        "complaints out of the run (its figures cannot be recomputed without them).",
    )


# An item's date as quotes and examples serve it (api/queries/common.py `served_date`).
ServedDate = Annotated[
    str | None,
    Field(
        description="The item's local date and time as its source wrote it, always `YYYY-MM-DDTHH:MM:SS` (no "
        "offset; its first 10 characters are the day `since` / `until` filter on); null when it had none.",
        examples=["2026-03-31T23:30:00"],
    ),
]
UtcOffset = Annotated[
    str | None,
    Field(
        description="The UTC offset the source gave with the date (`-05:00`); null when it gave none, as a date "
        "without a time zone's is unknown.",
        examples=["-05:00"],
    ),
]


class Quote(BaseModel):
    text: str = Field(examples=["I rang to check the delivery cost because it's not on the site."])
    document_id: str
    source: str
    kind: str
    date: ServedDate
    utc_offset: UtcOffset
    rating: Rating
    rating_scale: RatingScale
    rating_normalised: RatingNormalised
    question: Question


class Trend(BaseModel):
    previous_complaints: int = Field(description="Complaint mentions of the pain point in the previous period.")
    change: int | None = Field(
        description="Complaint mentions against the previous period's; null where `change_note` says why."
    )
    change_pct: float | None = Field(
        description="That change relative to the previous period's mentions; null when it had none, or where "
        "`change_note` says why."
    )
    change_note: str | None = Field(
        description="Why `change` and `change_pct` are null: the previous period was cut short by the first item "
        "(its counts cover fewer days), the period by the last (whole months asked for of data that ends inside the "
        "last of them), or the counts moved against `direction` (more complaints among many more items is 'down'). "
        "Null when they are given.",
    )
    documents: int = Field(description="Feedback items inside the period with a complaint in the pain point.")
    previous_documents: int = Field(description="The same, inside the previous period.")
    items: int = Field(description="Feedback items the run analysed inside the period: the rate's denominator.")
    previous_items: int = Field(description="Feedback items the run analysed inside the previous period.")
    rate_change_pct: float | None = Field(
        description="Change of the share of items with a complaint in the pain point; null when either period's "
        "share is 0, or under 10 items in either."
    )
    p_value: float | None = Field(description="Fisher's exact test of the two shares (two-sided), as the report's.")
    significant: bool = Field(
        description="p < 0.05 for this pain point alone, not adjusted for the others compared: of 40 pain points "
        "that did not change, about two pass by chance. Kept for clients that read it: prefer "
        "`significant_adjusted`."
    )
    p_adjusted: float | None = Field(
        description="`p_value` adjusted (Benjamini-Hochberg, as the report adjusts its trends) over every pain point "
        "with a complaint in the period inside `since`, `until`, `source` and `kind`, of every touchpoint (`none`'s "
        "too): the same whatever `touchpoint`, `stage`, `limit` and `offset`, so a page of one gives what a page of "
        "200 does. Null where `p_value` is."
    )
    significant_adjusted: bool = Field(
        description="`p_adjusted` < 0.05: the change to call significant, as the report calls its trends'."
    )
    tests: int = Field(description="The pain points `p_adjusted` is adjusted over (0 where none was tested).")
    direction: Literal["up", "down", "flat", "new", "too few"] = Field(
        description="By the share of items, as the report's trends, not raw counts; 'too few' under 10 items in "
        "either period."
    )


class PainPointPublic(BaseModel):
    id: str = Field(
        examples=["website-01"],
        description="The pain point's id in this run (`run.id`): another run may give it to another pain point, so "
        "read a page or a stored id again with `run=`.",
    )
    label: str = Field(examples=["Missing information: delivery fee"])
    touchpoint: str
    touchpoint_name: str
    stage: str | None
    complaints: int
    share: float = Field(
        description="Share of its touchpoint's complaints in the period, as `share` of a pain point in "
        "`touchpoints top --format json` (the glossary's, docs/guide/report.md). Before 2026-12 the API gave the "
        "share of all complaints here: that is `share_of_total`."
    )
    share_of_total: float = Field(description="Share of the period's complaint mentions (`total_complaints`).")
    trend: Trend | None = Field(
        description="Against the previous period (`period.previous_since` to `previous_until`); null without `since`."
    )
    keywords: list[str]
    quotes: list[Quote]


class Period(BaseModel):
    """The period asked for and the one a trend compares it with. The period ends on `until` or on the latest day of
    the items the run analysed, whichever is earlier; when it covers whole calendar months (the 1st to a month's last
    day) the previous period is as many calendar months just before (March against February), otherwise as many days
    just before (whole ISO weeks against as many weeks), starting no earlier than the first item's day."""

    since: date | None
    until: date | None
    previous_since: date | None = None
    previous_until: date | None = None


class PainPointsPublic(BaseModel):
    run: RunInfo | None
    period: Period
    total_complaints: int = Field(
        description="Complaint mentions in the period: a complaint about two touchpoints counts once for each "
        "(the run's "
        "`complaints` counts it once), so the touchpoints' shares and `unmapped`'s add up to 1."
    )
    total_items: int = Field(
        0,
        description="Feedback items the run analysed inside the filters (not those imported since): the trend's "
        "rates are per item, over all of them, the unread too.",
    )
    read_items: ReadItems = None
    unread_items: UnreadItems = None
    unread_languages: UnreadLanguages = None
    total: int = Field(0, description="Pain points with complaints inside the filters; page with `limit` and `offset`.")
    limit: int = 10
    offset: int = 0
    pain_points: list[PainPointPublic]


class Match(BaseModel):
    field: Literal["text", "title"] = Field(
        "text", description="Where the clause sits: the item's `text`, or its `title` (mined apart from the text)."
    )
    start: int
    end: int
    text: str


class ExamplePublic(BaseModel):
    segment_id: int
    document_id: str
    title: str | None = Field(description="The item's title (a review's headline), if it has one.")
    text: str
    match: Match | None = Field(description="Where the matching clause sits: in `text` or in `title` (`field`).")
    marked_title: str | None = Field(description="The title, HTML-escaped, the clause in <mark> when it is there.")
    marked: str = Field(
        description="The text, HTML-escaped, the clause in <mark> when it is there.",
        examples=["Great food. <mark>The app hides the delivery fee</mark> until checkout."],
    )
    score: float
    source: str
    kind: str
    date: ServedDate
    utc_offset: UtcOffset
    rating: Rating
    rating_scale: RatingScale
    rating_normalised: RatingNormalised
    question: Question


class PainPointRef(BaseModel):
    id: str
    label: str
    touchpoint: str


class ExamplesPublic(BaseModel):
    run: RunInfo | None
    pain_point: PainPointRef
    total: int
    limit: int
    offset: int
    examples: list[ExamplePublic]


class StatsPublic(BaseModel):
    documents: int
    segments: int
    datasets: int
    by_source: dict[str, int]
    by_kind: dict[str, int]
    first_date: str | None = Field(description="The earliest item's local date and time (`YYYY-MM-DDTHH:MM:SS`).")
    last_date: str | None = Field(description="The latest item's local date and time (`YYYY-MM-DDTHH:MM:SS`).")
    runs: dict[str, int] = Field(
        description="Runs by status, as GET /v1/runs lists them: the API's, and the completed runs `touchpoints "
        "mine` stored in the workspace's file."
    )
    latest_run: RunInfo | None
    read_items: ReadItems = Field(None, description="Of the latest run's items, those read (null with no run).")
    unread_items: UnreadItems = Field(None, description="Of the latest run's items, those not read: another "
                                      "language, no English text, no word (null with no run).")  # fmt: skip
    unread_languages: UnreadLanguages = None


class ReviewItem(BaseModel):
    segment_id: int
    text: str = Field(examples=["Why is the delivery cost only visible after I type my card details in?"])
    touchpoint: str = Field(examples=["pricing"], description="The touchpoint the run chose (`none`: no touchpoint).")
    runner_up: str = Field(examples=["website"], description="The next best (for `none`: the nearest touchpoint).")
    margin: float = Field(description="How far the best touchpoint led the next: the smaller, the less sure.")
    context: str | None = Field(description="The whole feedback item, when the complaint is one clause of it.")


class ReviewPublic(BaseModel):
    run: RunInfo | None
    complaints: list[ReviewItem]
