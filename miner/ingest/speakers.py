"""Speaker labels whose side the user gives (`mine --customer-speaker LABEL`, `--agent-speaker LABEL`).

A diarised export labels its sides with names the tool cannot read ("SPEAKER_00", "A"/"B", a vendor's "Left" and
"Right" channels): guessed by what agents say (`transcripts._sides`), an outbound call where nobody says an agent's
phrase was read backwards, the agent's words mined as the customer's complaints. A label given decides its side in
every transcript shape (prefixed lines, a speaker column, JSON message lists), and in a Zendesk or Intercom export
names an author (`author_side`), whose role the platform may give wrongly or not at all, by its id, name, role or
e-mail: a whole address, or a domain as "@acme.com" (every author at acme.com or a subdomain of it, eu.acme.com: a
company writes from its support subdomains, and nobody else's address ends in its domain). A label given that no
transcript of a file uses is refused, naming the labels it does use (a typo must not leave the guess in place unsaid)
that are no person's name (`nameless`): the refusal reaches API responses and the control database's job errors,
which neither redaction nor `forget --customer` reads, and an author's name ("Pat Buyer") or a transcript's speaker
("Sarah: ...") is a customer's or an agent's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest.transcripts import AGENT_ROLES, CUSTOMER_ROLES, speaker_role
from miner.segment.namefilter import common_words, first_names, word_names

if TYPE_CHECKING:
    from miner.ingest.columns import ColumnMap


def _key(label: str) -> str:
    return " ".join(label.split()).casefold()


def address_key(value: object) -> str | None:
    """An e-mail address as its key (any case), or None where `value` is none."""
    if not isinstance(value, str):
        return None
    local, _, domain = value.strip().casefold().rpartition("@")
    return f"{local}@{domain}" if local and domain and not any(c.isspace() for c in local + domain) else None


def _domains(address: str) -> list[str]:
    """The domains, as given ("@acme.com"), an address is at: its own, then each parent but the bare top level."""
    parts = address.rpartition("@")[2].split(".")
    return ["@" + ".".join(parts[i:]) for i in range(max(1, len(parts) - 1))]


# An id: digits, after a letter or two ("100", "u1", "a9", "c-12"), or a hexadecimal one ("5f3a9c0e", a UUID)
_ID = re.compile(r"(?:[a-z]{1,2}[-_#]?)?\d[\w-]*|(?=[\w-]*\d)[0-9a-f-]+", re.IGNORECASE)
_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")  # as given: "@acme.com", a company's, not a person's
_ROLE_WORDS = frozenset(word for role in AGENT_ROLES | CUSTOMER_ROLES for word in role.split())


def nameless(label: str) -> bool:
    """Whether a speaker label is surely no person's name, so an error may show it: a role the tool reads, a numbered
    or generic speaker ("Agent 7", "SPEAKER_00"), an id, an e-mail domain, one letter ("A"), or role and everyday
    words that are no name ("Left", "Answer Bot"; not "Sam Store", "Will", "Okafor"). A word not known is taken for a
    name: the project's NER, given labels alone, found 13 of 20 names and missed "Grace", "Mark", "Priya"."""
    label = label.strip()
    if speaker_role(label) is not None or len(label) == 1 or _ID.fullmatch(label) or _DOMAIN.fullmatch(label):
        return True
    words = [word for word in re.split(r"[\s_.-]+", label.casefold()) if word]
    return bool(words) and all(
        word.isalpha() and (word in _ROLE_WORDS or word in common_words())
        and word not in first_names() and word not in word_names()
        for word in words
    )  # fmt: skip


def _quoted(labels: Iterable[str]) -> str:
    return ", ".join(f"'{label}'" for label in labels)


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
        self.mailed: Counter[str] = Counter()  # the authors' addresses heard, each as often as it wrote

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

    def author_side(self, labels: Iterable[object], emails: Iterable[object] = (), role: object = None) -> str | None:
        """The side given to a helpdesk author: by the first of its `labels` given (its id, then name), else by its
        e-mail address, else by its address's domain (the narrowest first: "@eu.acme.com" over "@acme.com"), else by
        its `role`; None where none is given (the author keeps the side the export's role gives). Each label and
        address is `heard`, for `check` to name."""
        keys = [key for label in labels if (key := self._hear(label))]
        addresses = list(dict.fromkeys(found for email in emails if (found := address_key(email))))
        self.mailed.update(addresses)
        keys += [*addresses, *(domain for address in addresses for domain in _domains(address))]
        keys += [key] if (key := self._hear(role)) else []
        return next((self.named[key] for key in keys if key in self.named), None)

    def _hear(self, label: object) -> str | None:
        """A helpdesk author's id, name or role as heard (its key), or None where the export gives none."""
        if isinstance(label, bool) or not isinstance(label, str | int) or not str(label).strip():
            return None
        self.heard.setdefault(_key(str(label)), str(label).strip())
        return _key(str(label))

    def check(self, path: str) -> None:
        """Refuse the file when a label given is none its transcripts used: its speakers would be read as guessed,
        the agent's words perhaps mined as the customer's."""
        mail = {key for address in self.mailed for key in (address, *_domains(address))}
        missing = [label for key, label in self.given.items() if key not in self.heard and key not in mail]
        if not missing:
            return
        raise InputError(
            path,
            f"{self._named(missing[0])} names no speaker of its transcripts; " + self._held(missing[0]),
            hint="give the labels as the file writes them (any case)"
            + (", an e-mail domain as '@acme.com'" if self.mailed else "")
            + ", or mine the file without the option",
        )

    def _named(self, missing: str) -> str:
        """The option of a label given, and the label as an error may name it: an address by its domain, a label that
        may be a person's name by its place among the option's labels, never quoted (`nameless`)."""
        side = self.named[_key(missing)]
        option = f"--{side}-speaker"
        if (address := address_key(missing)) is not None:
            return f"{option} (an address at {_domains(address)[0]})"
        if nameless(missing):
            return f"{option} '{missing}'"
        labels = [key for key, named in self.named.items() if named == side]
        place = f"the {_ordinal(labels.index(_key(missing)) + 1)} given, " if len(labels) > 1 else ""
        return f"{option} ({place}a label that may be a person's name, not shown)"

    def _held(self, missing: str) -> str:
        """What the file's transcripts hold to give instead: their labels, and the domains its authors write from, the
        commonest first (the company's: its staff answer every ticket); for an address given, how many its domain has
        (a typo, not a wrong domain). Never the addresses nor a label that may be a person's name (`_held_labels`): an
        error reaches API responses and the control database."""
        held = _held_labels(list(self.heard.values()))
        domains: Counter[str] = Counter()
        for heard, times in self.mailed.items():
            domains[_domains(heard)[0]] += times
        mail = []
        if (address := address_key(missing)) is not None:
            at = _domains(address)[0]
            count = sum(at in _domains(other) for other in self.mailed)
            mail.append(f"its authors have {count} other address{'' if count == 1 else 'es'} at {at}")
        if domains:
            mail.append(f"its authors write from {_quoted(sorted(domains, key=lambda d: (-domains[d], d))[:20])}")
        elif "@" in missing:
            mail.append("its authors have no e-mail address")
        return "; ".join([*mail, held] if "@" in missing else [held, *mail])


def _held_labels(heard: list[str]) -> str:
    """The labels a file's transcripts hold, as an error may name them: those surely no person's name (`nameless`)
    quoted, and the others counted."""
    shown = sorted((label for label in heard if nameless(label)), key=str.casefold)
    hidden = len(heard) - len(shown)
    parts = [_quoted(shown[:20])] if shown else []
    if hidden:
        what = "a person's name" if hidden == 1 else "people's names"
        parts.append(f"{hidden} that may be {what} (not shown)")
    return f"the speakers it holds are {' and '.join(parts)}" if parts else "it holds no speaker labels"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
