"""Receiving a dataset: multipart files streamed to disk, or a JSON body of records, under a size limit."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from fastapi import Request
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.errors import ApiError
from miner.ingest.readers import READERS
from miner.segment.pii import pseudonymise_path

MAX_FILES = 20


class RecordsCreate(BaseModel):
    """A JSON dataset: records as the JSON/JSONL readers take them (a `text` field, optional date, rating...)."""

    name: str | None = Field(None, max_length=100, examples=["app-store-march"])
    records: list[dict] = Field(
        min_length=1,
        examples=[[{"id": "r1", "date": "2026-03-02", "rating": 1, "text": "The site hides the delivery fee."}]],
    )


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the upload is over the limit of {limit:,} bytes: split it into smaller files")


async def _limited(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > limit:
            raise too_large(limit)
        yield chunk


def safe_name(name: str | None, default: str) -> str:
    """A file name safe to write under the upload folder, with PII (an email, a phone number) as keyed tokens."""
    base = pseudonymise_path(Path(name or "").name)
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._") or default
    return base[:120]


async def receive(request: Request, dest: Path, limit: int) -> tuple[list[Path], str | None]:
    """Write the request's files under `dest`; returns the paths and a name for the dataset."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large(limit)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    dest.mkdir(parents=True, exist_ok=True)
    if ctype == "multipart/form-data":
        return await _multipart(request, dest, limit), None
    if ctype == "application/json":
        return await _json_records(request, dest, limit)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send multipart/form-data with one or more 'file' parts, or application/json with a 'records' list",
    )


async def _multipart(request: Request, dest: Path, limit: int) -> list[Path]:
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
    finally:
        await form.close()
    if not paths:
        raise ApiError(400, "no_file", "the upload holds no file: send it as a 'file' part", field="file")
    return paths


async def _json_records(request: Request, dest: Path, limit: int) -> tuple[list[Path], str | None]:
    body = bytearray()
    async for chunk in _limited(request.stream(), limit):
        body += chunk
    try:
        data = RecordsCreate.model_validate_json(bytes(body))
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError(422, "invalid", f"{field}: {first['msg']}", field=field) from None
    path = dest / f"{safe_name(data.name, 'records')}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for record in data.records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return [path], data.name
