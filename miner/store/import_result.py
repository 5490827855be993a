"""What one file's import did, as `mine` says it (its line per file) and as `--json-out`'s `imports` give it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from miner.wording import counted


@dataclass
class ImportResult:
    path: str
    rows: int
    added: int
    other_script: int = 0  # new items with text in another script than Latin, which no segment holds
    no_segments: int = 0  # new items that gave no segment at all (counted in a run's items all the same)
    changed: int = 0  # rows whose id an earlier import stored with other text: not stored (`changed_texts`)
    grown: int = 0  # new items that are newer versions of stored conversations, which they replace
    diverged: int = 0  # new conversations sharing an id with a stored one they neither extend nor edit: both kept
    edited: int = 0  # new items sharing an id with another file's, in other words: both kept (`edited_elsewhere`)
    rated: int = 0  # stored items without a rating that a row of the same id and text gave one (`fill_ratings`)
    languages: Counter[str] = field(default_factory=Counter)  # new items read as another language, by its name
    skipped: int = 0  # bad rows left out under --on-error skip
    respondents: int | None = None  # a survey's respondents (rows), whose answers `rows` counts; None: no survey
    state: str = "imported"  # or, left out under --incremental with a warning: "empty" (0 bytes), "no rows" (a header)

    def counts(self) -> dict:
        """What `summary` and `unread_notes` say, for `mine --json-out`'s `imports` (a nightly job reads them)."""
        other_language = sum(self.languages.values())
        return {
            "file": self.path, "state": self.state, "rows": self.rows, "new": self.added, "replaced": self.grown,
            "skipped": self.skipped, "changed": self.changed, "diverged": self.diverged, "edited": self.edited,
            "rated": self.rated, "respondents": self.respondents,
            "unread": {"other_script": self.other_script, "other_language": other_language,
                       "languages": dict(self.languages.most_common()),
                       "no_words": max(self.no_segments - other_language, 0)},
        }  # fmt: skip

    def summary(self) -> str:
        """The line `mine` prints for the file."""
        line = f"{self.path}: {counted(self.rows, 'row')}, {self.added:,} new"
        if self.respondents is not None:  # "281 rows" of a 210-row export were its answers
            line = (
                f"{self.path}: {counted(self.respondents, 'respondent')}, {counted(self.rows, 'answer')}, "
                f"{self.added:,} new" + self._stored_before()
            )
        if self.skipped:  # "41 rows, 41 new" of a 45-row file said nothing of the 4 rows --on-error skip left out
            line += f", {self.skipped:,} skipped as unreadable"
        if self.grown:
            grew = counted(self.grown, "conversation")
            line += f" ({grew} grew or changed since stored: the newer version replaces the earlier)"
        if self.diverged:
            line += f"; {kept_apart(self.diverged)}"
        if self.edited:
            verb = "shares" if self.edited == 1 else "share"
            line += (f"; {counted(self.edited, 'new item')} {verb} an id with another file's in other words: both kept "
                     "(an edited review counts twice; or two exports number their rows alike)")  # fmt: skip
        if self.rated:
            items = "an item" if self.rated == 1 else "items"
            line += f"; {counted(self.rated, 'rating')} added to {items} stored without one"
        if self.changed:
            rows = "1 row has" if self.changed == 1 else f"{self.changed:,} rows have"
            line += f"; {rows} an id already stored with other text: the first version is kept"
        return line

    def _stored_before(self) -> str:
        """Of a survey's answers, those an earlier import stored (an overlapping weekly export's): '31 rows, 15
        new' said nothing of the other 16. Not those `changed` counts, said apart."""
        before = self.rows - self.added - self.changed
        if before <= 0:
            return ""
        return f" ({before:,} stored before)"


def kept_apart(conversations: int, advice: str = "mine such an export with --append") -> str:
    """What `ImportResult.diverged` means, with what to do: `mine`'s line says it, and an API run's
    `kept_apart_note` (its `advice` names `append=true`), so both tell of a conversation that now counts twice."""
    verbs = ("shares", "differs in its") if conversations == 1 else ("share", "differ in their")
    return (f"{counted(conversations, 'conversation')} {verbs[0]} an id with another export's but {verbs[1]} turns: "
            "both kept (an edited conversation, two tools numbering alike, or the messages since the last export "
            f"without message ids: {advice} to add them to the stored conversation)")  # fmt: skip
