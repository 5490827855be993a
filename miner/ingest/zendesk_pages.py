"""Zendesk ticket comments pages (GET /api/v2/tickets/{id}/comments.json, `include=users` side-loading the authors):
one ticket's comments a page, and neither the ticket's id nor its requester anywhere in it. A page was read as its
comments, one item each, the agent's replies mined as complaints (a JSONL line as a ticket with no id, every author
with no role the agent's). It is one conversation named by its file, its sides told by its authors' roles, as a
ticket's are, or by the labels given; a page whose sides cannot be told is refused, and one that has a next page is
said to be perhaps cut."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from miner.errors import InputError
from miner.ingest.conversations import Users, author_id, author_role, is_comments_page, said
from miner.ingest.speakers import nameless

if TYPE_CHECKING:
    from miner.ingest.speakers import Speakers
    from miner.ingest.table import Table

_TICKET_NUMBER = re.compile(r"tickets?[-_ #]*(\d+)", re.IGNORECASE)


_PAGE_LINK = re.compile(r"/tickets/(\d+)/comments")


def _name_id(path: Path, pages: list[dict]) -> tuple[str, str]:
    """A page's id, and where it came from: the number after "ticket" in the file's name ("ticket-12345-comments"),
    else the name's only number ("12345"), else the folder's number (an API dump's "tickets/12345/comments.json",
    whose names alone made every ticket 'comments'), else the ticket its link to the next or previous page names
    (".../tickets/12345/comments.json?page=2"), else the name itself."""
    if found := _TICKET_NUMBER.search(path.stem):
        return found.group(1), "the ticket number in the file's name"
    numbers = re.findall(r"\d+", path.stem)
    if len(numbers) == 1:
        return numbers[0], "the number in the file's name"
    if found := _TICKET_NUMBER.search(path.parent.name) or re.fullmatch(r"(\d+)", path.parent.name):
        return found.group(1), "the ticket number in its folder's name"
    links = {m.group(1) for page in pages for key in ("next_page", "previous_page")
             if isinstance(page.get(key), str) and (m := _PAGE_LINK.search(page[key]))}  # fmt: skip
    if len(links) == 1 and len(pages) == 1:
        return links.pop(), "the ticket its link to the next or previous page names"
    return path.stem, "the file's name"


def _untold(page: dict, users: object) -> list[object]:
    """The authors of a page's public comments whose side no role tells (the comment's own, else that of its user
    side-loaded beside the pages or in this one): with no requester to tell them by, they are no side's."""
    known = Users(users)
    known.add(page.get("users"))
    authors = [author_id(c) for c in page["comments"] if isinstance(c, dict) and c.get("public") is not False
               and said(c) and not author_role(c, known.of(author_id(c)))]  # fmt: skip
    return list(dict.fromkeys(authors))


def _refuse(path: Path, authors: list[object], line: int | None, unit: str) -> InputError:
    shown = [str(a) for a in authors if a not in (None, "") and nameless(str(a))]  # ids, never a name
    named = f" (author_id {', '.join(shown[:10])}{', ...' if len(shown) > 10 else ''})" if shown else ""
    return InputError(
        str(path),
        f"a Zendesk ticket comments page names no requester and no role for {len(authors)} of its comments' "
        f"authors{named}: the customer's comments cannot be told from the agent's",
        line=line,
        unit=unit,
        hint="export the comments with include=users, which gives their authors' roles, or give the customer's "
        "author id or e-mail with --customer-speaker: every other author is then the agent's",
    )


def _next_page(page: dict) -> str | None:
    """The field saying the ticket's comments go on past the page: `next_page` (offset pagination), `meta.has_more`
    (cursor pagination); None where they do not."""
    meta = page.get("meta")
    if page.get("next_page"):
        return "next_page"
    return "meta.has_more" if isinstance(meta, dict) and meta.get("has_more") else None


def _cut(page: dict, where: str) -> str | None:
    field = _next_page(page)
    if field is None:
        return None
    count, read = page.get("count"), len(page["comments"])
    of = f"{read} of its {count} comments" if isinstance(count, int) and count > read else f"its first {read} comments"
    return (
        f"the comments page{where} has a next page ({field} set): its ticket may be cut, {of} read (fetch the "
        "ticket's other pages and join their comments into one page to mine it whole)"
    )


def name_pages(
    path: Path, records: list[tuple[int, dict]], table: Table, speakers: Speakers | None, users: object, unit: str
) -> None:
    """Give each comments page among `records` (read into `table`'s rows, in order) its id from the file's name, the
    line number added where the file holds several; refuse a page whose sides cannot be told where no label is given;
    note where the ids came from and each page that has a next page (`table.extra["notes"]`)."""
    pages = [(i, line, rec) for i, (line, rec) in enumerate(records) if is_comments_page(rec)]
    if not pages:
        return
    for _, line, page in pages:
        if speakers is None and (authors := _untold(page, users)):
            raise _refuse(path, authors, line if len(records) > 1 else None, unit)
    ident, source = _name_id(path, [page for _, _, page in pages])
    rows = list(table.rows)
    for i, line, _ in pages:
        rows[i][1]["id"] = ident if len(pages) == 1 else f"{ident}#{line}"
    if len(pages) == 1:
        notes = [f"read as one Zendesk ticket's comments page, which holds no ticket id: its id is {source}"]
    else:
        notes = [f"read {len(pages)} Zendesk ticket comments pages, which hold no ticket id, one conversation each: "
                 f"their ids are {source} and the {unit} of each after '#'"]  # fmt: skip
    for _, line, page in pages:
        notes += [cut] if (cut := _cut(page, "" if len(pages) == 1 else f" on {unit} {line}")) else []
    table.rows = rows
    table.extra["notes"] = notes
