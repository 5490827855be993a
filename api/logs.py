"""The server's access log without PII. A URL can carry it anywhere: an id in the path that is an email or a phone
number (`/v1/datasets/jane%40example.com`, `/v1/runs/07700900123`, a mistyped pain point id), a dataset or file
name in the query string (`?name=jane%40example.com`, `?source=Tom Hardy 07700 900 999`). So each path segment and
the query string of a logged request are pseudonymised: what the redactor's patterns find becomes its keyed token,
and in the query string a given name with the capitalised word after it a PERSON token too.

An upload's speaker labels (`?customer_speaker=`, `agent_speaker=`) name people by design: an author's id, name or
e-mail address in a Zendesk, Intercom or chat export, which no pattern finds in an id like 'FK-20931'. Each is
logged as its keyed token, whatever it looks like; an erasure cannot reach a log.

A URL can carry a secret too: a client that puts its API key in the query string (`?api_key=tpm_...`, `?token=`)
gets a 401 or 422, and the key would stay in the log for anyone who reads it. So an API key anywhere (`tpm_...`)
keeps only the prefix `touchpoints keys list` shows, and the value of a parameter named like a secret (key, token,
secret, password...) is dropped. Error bodies that echo a request's words go through the same `redact_secrets`."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote, unquote_plus

from api.keys import KEY_PREFIX
from miner.segment.namefilter import is_given_name
from miner.segment.pii import pseudonym, pseudonymise

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A key is KEY_PREFIX and token_urlsafe characters; `keys list` shows its first 10 characters, so they may stay.
_API_KEY = re.compile(re.escape(KEY_PREFIX) + r"([\w-]{0,6})[\w-]*")
# A parameter whose name says it holds a secret (api_key, access_token, key, client_secret, password, auth...).
_SECRET_PARAM = re.compile(
    r"(?i)((?:^|[?&;])[^=&;?]*(?:key|token|secret|passw|pwd|auth|credential|signature)[^=&;?]*=)([^&;]*)"
)
# A query parameter (its separator, name and value) and the names of those that hold speaker labels
_PARAM = re.compile(r"(^|[&;])([^=&;]*)=([^&;]*)")
_SPEAKER_PARAMS = {"customer_speaker", "agent_speaker"}
_SPEAKER_TOKEN = re.compile(r"(<SPEAKER:[0-9a-f]{16}>)")
# A capitalised word and, when there is one, the capitalised word or initial after it ("Tom Hardy", "Jane D.").
_NAME = re.compile(r"\b[A-Z][a-z]+(?:['’][a-z]+)?(?:[ \t]+[A-Z][\w'’-]*\.?)?")


def _names(text: str) -> str:
    """Person names a word list finds (no NER: a log line must stay cheap), as keyed tokens."""
    return _NAME.sub(lambda m: pseudonym(m[0], "PERSON") if is_given_name(m[0].split()[0]) else m[0], text)


def redact_secrets(text: str) -> str:
    """`text` (a query string, or a message that may echo one) without API keys or secret-named parameters' values."""
    text = _SECRET_PARAM.sub(lambda m: m[1] + ("[redacted]" if m[2] else ""), text)
    return _API_KEY.sub(lambda m: f"{KEY_PREFIX}{m[1]}...[redacted]", text)


def redact_target(target: str) -> str:
    """A request's path and query, as the access log shows it, with PII as keyed tokens. Decoded to be read (and
    matched: %40 is an @), but a control character stays escaped, so a URL cannot write a line of its own."""
    path, mark, query = target.partition("?")
    path = "/".join(pseudonymise(redact_secrets(unquote(part))) for part in path.split("/"))
    return _CONTROL.sub(lambda m: f"%{ord(m[0]):02X}", path + mark + _redact_query(query))


def _redact_query(query: str) -> str:
    """The query string with its speaker labels as keyed tokens (read before decoding: an encoded '&' in a label
    splits nothing), then the rest decoded and pseudonymised around them (a token's hex is no IBAN)."""
    labelled = _PARAM.sub(lambda m: f"{m[1]}{m[2]}={pseudonym(unquote_plus(m[3]), 'SPEAKER') if m[3] else ''}"
                          if unquote(m[2]).lower() in _SPEAKER_PARAMS else m[0], query)  # fmt: skip
    parts = _SPEAKER_TOKEN.split(labelled)
    return "".join(p if i % 2 else _names(pseudonymise(redact_secrets(unquote(p)))) for i, p in enumerate(parts))


class RedactedAccessLog(logging.Filter):
    """uvicorn's access records carry (client, method, path, http version, status) as args; the path is redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        return True


def install() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactedAccessLog) for f in access.filters):
        access.addFilter(RedactedAccessLog())
