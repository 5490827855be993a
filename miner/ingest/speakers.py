"""Speaker labels whose side the user gives (`mine --customer-speaker LABEL`, `--agent-speaker LABEL`).

A diarised export labels its sides with names the tool cannot read ("SPEAKER_00", "A"/"B", a vendor's "Left" and
"Right" channels): guessed by what agents say (`transcripts._sides`), an outbound call where nobody says an agent's
phrase was read backwards, the agent's words mined as the customer's complaints. A label given decides its side in
every transcript shape (prefixed lines, a speaker column, JSON message lists), and in a Zendesk or Intercom export
names an author (`author_side`), whose role the platform may give wrongly or not at all; a label given that no
transcript of a file uses is refused, naming the labels it does use (a typo must not leave the guess in place unsaid).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest.transcripts import speaker_role

if TYPE_CHECKING:
    from miner.ingest.columns import ColumnMap


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def both_sides(customer: Iterable[str], agent: Iterable[str]) -> str | None:
    """A label given as the customer's and as the agent's (the options refuse it), else None."""
    both = sorted(set(map(_key, customer)) & set(map(_key, agent)))
    return both[0] if both else None


class Speakers:
    """The sides given to labels, in any case, and the labels one file's transcripts used (`heard`)."""

    def __init__(self, customer: Iterable[str] = (), agent: Iterable[str] = ()) -> None:
        customer, agent = tuple(customer), tuple(agent)
        self.given = {_key(label): label.strip() for label in (*customer, *agent)}
        self.named = {_key(label): "customer" for label in customer} | {_key(label): "agent" for label in agent}
        # a speaker neither named nor a known role: the side opposite those named (the customer's named, every other
        # speaker is the company's; only the agent's named, every other is a customer)
        self.rest = "customer" if agent and not customer else "agent"
        self.heard: dict[str, str] = {}

    @classmethod
    def of(cls, columns: ColumnMap) -> Speakers | None:
        """The labels the options give, or None where they give none (every side is then read from the labels)."""
        if not columns.customer_speakers and not columns.agent_speakers:
            return None
        return cls(columns.customer_speakers, columns.agent_speakers)

    def labels(self) -> list[str]:
        """The labels given, longest first (as a line's prefix, "Agent 2" before "Agent")."""
        return sorted(self.given.values(), key=len, reverse=True)

    def given_label(self, label: str) -> bool:
        return _key(label) in self.named

    def side(self, label: str) -> str | None:
        """'customer' or 'agent' for a label given, and for a numbered or unknown speaker beside them (`rest`); None
        for a role the tool reads ("Customer", "Agent 7"), read as without the options. Each label is `heard`."""
        if label.strip():
            self.heard.setdefault(_key(label), label.strip())
        if (named := self.named.get(_key(label))) is not None:
            return named
        return None if speaker_role(label) in ("customer", "agent") else self.rest

    def author_side(self, labels: Iterable[object]) -> str | None:
        """The side given to the first of a helpdesk author's labels that is given (its id, name, then role), else
        None: the author keeps the side the export's role gives. Each label is `heard`, for `check` to name."""
        side = None
        for label in labels:
            if isinstance(label, bool) or not isinstance(label, str | int) or not str(label).strip():
                continue
            self.heard.setdefault(_key(str(label)), str(label).strip())
            side = side or self.named.get(_key(str(label)))
        return side

    def check(self, path: str) -> None:
        """Refuse the file when a label given is none its transcripts used: its speakers would be read as guessed,
        the agent's words perhaps mined as the customer's."""
        missing = [label for key, label in self.given.items() if key not in self.heard]
        if not missing:
            return
        option = "--customer-speaker" if self.named[_key(missing[0])] == "customer" else "--agent-speaker"
        held = ", ".join(f"'{label}'" for label in sorted(self.heard.values(), key=str.casefold)[:20])
        raise InputError(
            path,
            f"{option} '{missing[0]}' names no speaker of its transcripts; "
            + (f"the speakers it holds are {held}" if held else "it holds no speaker labels"),
            hint="give the labels as the file writes them (any case), or mine the file without the option",
        )
