"""Survey respondents: the answers of one response together. A respondent who answered two open-text questions is
two feedback items, and figures about people (the share who complained, rating impact) count them once."""

from __future__ import annotations

from dataclasses import dataclass, field

from miner.wording import counted


@dataclass
class Respondent:
    """One survey response's answers (`ids`, document ids) and its score; any other item is a respondent alone."""

    ids: list[str]
    rating: float | None  # 0..1, 1 best
    raw: float | None  # the score as answered (0-10 for NPS)
    scale: str | None
    survey: bool  # answers sharing a response id, as a survey's do
    date: str | None = None  # of its rated answer (else its first)
    files: int = 1  # the files its answers came from: more than one where a re-export stored edited answers again
    superseded: list[str] = field(default_factory=list)  # the earlier version of an answer another file stored again
    wrote: bool = True  # False: a survey score alone, the respondent answered no open-text question


def group(documents: dict[str, dict]) -> list[Respondent]:
    """Every item of `documents` in its respondent: the answers of one survey response together, any other item
    alone. A response is one `response_id` and day, in one file or in several: a re-export with edited answers
    stores those answers again beside the first file's (`edited_elsewhere`), and its respondent is one person, whose
    latest file's version of each answer counts (the import order tells it: a re-export keeps the dates). Undated
    answers of several files stay apart (ids such as "1" or "line5" recur in unrelated files). `documents` may hold
    the scores of respondents who wrote nothing (`silent`, miner/store/scores.py): respondents of their own, or
    of their comments where another file holds those."""
    groups: dict[tuple, list[str]] = {}
    for d, doc in documents.items():
        groups.setdefault(respondent_key(d, doc), []).append(d)
    return [respondent(documents, ids, len(key) > 1) for key, ids in groups.items()]


def respondent_key(d: str, doc: dict) -> tuple:
    """Which respondent item `d` answers for: its response id and day (its file and response id where it has no
    day), else the item alone (a 1-tuple). Of the item alone, so a filter only leaves some of a respondent's
    answers out (miner/report/respondent_table.py)."""
    rid = doc.get("response_id")
    if rid in (None, ""):
        return (d,)
    day = (doc.get("date") or "")[:10]
    return (str(rid), day) if day else (doc["source"], str(rid), "")


def respondent(documents: dict[str, dict], ids: list[str], survey: bool) -> Respondent:
    """The respondent of `ids`: of two answers to one question (one `source_id`) the latest import's, whose score
    is the respondent's."""
    latest: dict[str, str] = {}
    for d in sorted(ids, key=lambda d: documents[d].get("import_id") or 0):
        latest[documents[d].get("source_id") or d] = d
    chosen = set(latest.values())
    kept = [d for d in ids if d in chosen]
    rated = [documents[d] for d in kept if documents[d]["rating"] is not None] or [documents[kept[0]]]
    last = max(rated, key=lambda doc: doc.get("import_id") or 0)
    files = len({documents[d]["source"] for d in ids})
    wrote = any(not documents[d].get("silent") for d in kept)
    return Respondent(kept, last["rating"], last.get("rating_raw"), last["rating_scale"], survey, last.get("date"),
                      files, [d for d in ids if d not in chosen], wrote)  # fmt: skip


def answered_twice(respondents: list[Respondent]) -> list[str]:
    """Data quality's word on respondents whose answers came from several files."""
    twice = [r for r in respondents if r.files > 1]
    if not twice:
        return []
    earlier = sum(len(r.superseded) for r in twice)
    return [
        f"{counted(len(twice), 'respondent')} answered in two files or more (the same response id on the same day: "
        "a re-export with edited answers?): the respondents' figures (complaint rate, rating impact, NPS) count each "
        "once, with the latest file's version of each answer and its score"
        + (f"; the items count both versions of {counted(earlier, 'answer')}." if earlier else ".")
    ]


def complaint_rate(respondents: list[Respondent], complaint_docs: set[str]) -> dict:
    """The survey respondents who wrote an answer, those with a complaint in any answer, and their share: beside the
    items' rate, which counts each answer. All None where no item is a survey answer with a response id."""
    surveyed = [r for r in respondents if r.survey and r.wrote]
    if not surveyed:
        return {"respondents": None, "complaint_respondents": None, "respondent_complaint_rate": None}
    complained = sum(any(d in complaint_docs for d in r.ids) for r in surveyed)
    return {
        "respondents": len(surveyed),
        "complaint_respondents": complained,
        "respondent_complaint_rate": complained / len(surveyed),
    }
