"""Survey respondents: the answers of one response together. A respondent who answered two open-text questions is
two feedback items, and figures about people (the share who complained, rating impact) count them once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Respondent:
    """One survey response's answers (`ids`, document ids) and its score; any other item is a respondent alone."""

    ids: list[str]
    rating: float | None  # 0..1, 1 best
    raw: float | None  # the score as answered (0-10 for NPS)
    scale: str | None
    survey: bool  # answers sharing a response id, as a survey's do
    date: str | None = None  # of its rated answer (else its first)


def group(documents: dict[str, dict]) -> list[Respondent]:
    """Every item of `documents` in its respondent: the answers of one survey response (one file's `response_id`)
    together, any other item alone."""
    groups: dict[tuple, list[str]] = {}
    for d, doc in documents.items():
        rid = doc.get("response_id")
        groups.setdefault((doc["source"], str(rid)) if rid not in (None, "") else (d,), []).append(d)
    out = []
    for key, ids in groups.items():
        rated = next((documents[d] for d in ids if documents[d]["rating"] is not None), documents[ids[0]])
        out.append(Respondent(ids, rated["rating"], rated.get("rating_raw"), rated["rating_scale"], len(key) == 2,
                              rated.get("date")))  # fmt: skip
    return out


def complaint_rate(respondents: list[Respondent], complaint_docs: set[str]) -> dict:
    """The survey respondents, those with a complaint in any answer, and their share: beside the items' rate, which
    counts each answer. All None where no item is a survey answer with a response id."""
    surveyed = [r for r in respondents if r.survey]
    if not surveyed:
        return {"respondents": None, "complaint_respondents": None, "respondent_complaint_rate": None}
    complained = sum(any(d in complaint_docs for d in r.ids) for r in surveyed)
    return {
        "respondents": len(surveyed),
        "complaint_respondents": complained,
        "respondent_complaint_rate": complained / len(surveyed),
    }
