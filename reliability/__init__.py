"""Reliability measurements (issue 8): reader fuzzing, crash safety, concurrent load, isolation, exports, PII
and limits. Each module exposes a function returning figures; `python -m reliability` runs them all at full
size and writes docs/reliability.md, and tests/test_{fuzz,crash,load,isolation,reliability}*.py run bounded
versions in `make test`."""
