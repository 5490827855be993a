"""Receiving a dataset: multipart files streamed to disk, or a JSON body of records, under a size limit."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.db import private_dir
from api.errors import ApiError
from miner.ingest.readers import READERS
from miner.segment.pii import pseudonymise, pseudonymise_path

MAX_FILES = 20


class RecordsCreate(BaseModel):
    """A JSON dataset: records as the JSON/JSONL readers take them (a `text` field, optional date, rating...)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt field is refused, not ignored

    name: str | None = Field(None, max_length=100, examples=["app-store-march"])
    records: list[dict] = Field(
        min_length=1,
        examples=[[{"id": "r1", "date": "2026-03-02", "rating": 1, "text": "The site hides the delivery fee."}]],
    )


def too_large(limit: int, what: str = "the upload") -> ApiError:
    fix = "split it into smaller files" if what == "the upload" else "make it smaller"
    return ApiError(413, "too_large", f"{what} is over the limit of {limit:,} bytes: {fix}")


async def _limited(stream: AsyncIterator[bytes], limit: int, what: str = "the upload") -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise too_large(limit, what)
        yield chunk


async def read_body(request: Request, limit: int, what: str = "the upload") -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes (never held beyond it)."""
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > limit:
        raise too_large(limit, what)
    body = bytearray()
    async for chunk in _limited(request.stream(), limit, what):
        body += chunk
    return bytes(body)


_UNSAFE = re.compile(r'[\\/<>:"|?*]')  # a path separator, or a character some file systems refuse
MAX_EXTENSION_BYTES = 16  # '.parquet' is 8; a longer 'extension' is part of the name
MAX_NAME_BYTES = 200  # under the 255 bytes most file systems allow a name, in UTF-8


def safe_name(name: str | None, default: str) -> str:
    """A file name safe to write under the upload folder, with PII (an email, a phone number) as keyed tokens.
    Letters of any script, digits, spaces and punctuation are kept, so an upload's source is the name
    `touchpoints mine` stores for the same file ('été avis.csv', 'отзывы.csv'). Each path separator, control or
    format character, or space other than ' ', becomes '_' (a run of them one '_'); no leading dot or space stays."""
    base = pseudonymise_path(Path(name or "").name)
    base = re.sub("\0+", "_", "".join("\0" if _unsafe(c) else c for c in base)).strip("._ ")
    if not base:
        return default
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext.encode("utf-8")) > MAX_EXTENSION_BYTES:  # "a.xxxx...": no extension, all of it is the stem
        stem, dot, ext = base, "", ""
    while len(base.encode("utf-8")) > MAX_NAME_BYTES:  # the stem is cut; the extension is short enough to fit
        stem = stem[:-1]
        base = f"{stem}{dot}{ext}"
    return base


def _unsafe(char: str) -> bool:
    category = unicodedata.category(char)
    return bool(_UNSAFE.match(char)) or category[0] == "C" or (category[0] == "Z" and char != " ")


def json_too_large(limit: int, name: str = "the JSON body") -> ApiError:
    return ApiError(413, "too_large", f"{name} is over the limit of {limit:,} bytes for JSON, which is parsed whole: "
                    "send JSON Lines (.jsonl, one record a line) or CSV for more")  # fmt: skip


async def receive(
    request: Request, dest: Path, limit: int, json_limit: int | None = None
) -> tuple[list[Path], str | None]:
    """Write the request's files under `dest`; returns the paths and a name for the dataset. A JSON body or .json
    file is parsed whole, so it has its own, smaller limit (`json_limit`)."""
    json_limit = min(limit, json_limit or limit)
    length = request.headers.get("content-length")
    if length and length.isascii() and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    private_dir(dest)  # uploaded feedback is readable by the server's user only, like the databases
    if ctype == "multipart/form-data":
        return await _multipart(request, dest, limit, json_limit), None
    if ctype == "application/json":
        if length and length.isascii() and length.isdigit() and int(length) > json_limit:
            raise json_too_large(json_limit)
        return await _json_records(request, dest, json_limit)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send multipart/form-data with one or more 'file' parts, or application/json with a 'records' list",
    )


async def _multipart(request: Request, dest: Path, limit: int, json_limit: int) -> list[Path]:
    parser = MultiPartParser(request.headers, _limited(request.stream(), limit), max_files=MAX_FILES, max_fields=20)
    try:
        form = await parser.parse()
    except MultiPartException as err:
        raise ApiError(400, "bad_multipart", f"the multipart body does not parse: {err.message}") from None
    paths: list[Path] = []
    try:
        for field, value in form.multi_items():
            if not isinstance(value, UploadFile):
                continue
            name = safe_name(value.filename, f"upload{len(paths) + 1}.csv")
            if Path(name).suffix.lower() not in READERS:
                formats = ", ".join(sorted(READERS))
                raise ApiError(400, "unsupported_format", f"'{name}': unsupported file type; use one of {formats}",
                               field=field)  # fmt: skip
            path = dest / name
            if path in paths:
                raise ApiError(400, "duplicate_file", f"two files are named '{name}'", field=field)
            with path.open("wb") as out:
                shutil.copyfileobj(value.file, out, 1 << 20)
            paths.append(path)
            if path.suffix.lower() == ".json" and path.stat().st_size > json_limit:
                raise json_too_large(json_limit, f"'{name}'")
    finally:
        await form.close()
    if not paths:
        raise ApiError(400, "no_file", "the upload holds no file: send it as a 'file' part", field="file")
    return paths


async def _json_records(request: Request, dest: Path, limit: int) -> tuple[list[Path], str | None]:
    body = bytearray()
    try:
        async for chunk in _limited(request.stream(), limit):
            body += chunk
    except ApiError:
        raise json_too_large(limit) from None
    try:
        data = RecordsCreate.model_validate_json(bytes(body))
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, "invalid", f"{field}: {first['msg']}", field=field) from None
    # The name is one value, not a file name: "jesse.p@example.com" takes a token whole, as a multipart file's name
    # does (safe_name alone would read ".com" as its extension and keep "jesse.p@example" as it is).
    stem = safe_name(pseudonymise(data.name or ""), "records")
    path = dest / (stem if stem.lower().endswith(".jsonl") else f"{stem}.jsonl")  # its items' source: "NAME.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in data.records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return [path], data.name
