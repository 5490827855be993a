"""miner/slim.py: libraries imported without the optional parts the miner never uses, and nothing else changed."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from miner.slim import blocked, import_without


def _last_json(code: str) -> Any:
    """The JSON that `code`, run in a fresh interpreter, prints last."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_blocked_makes_an_import_fail_and_restores_it():
    name = "miner_slim_probe_missing"
    assert name not in sys.modules
    with blocked((name, "json")):
        with pytest.raises(ModuleNotFoundError):
            __import__(name)
        assert sys.modules["json"] is json  # an imported module is left alone
    assert name not in sys.modules


def test_import_without_returns_an_imported_module_as_it_is():
    assert import_without("json", ("json",)) is json


def test_presidio_and_bertopic_load_without_transformers_plotly_or_umap():
    """A fresh process that loads the name finder and the pain-point model imports none of the skipped parts,
    and Presidio still finds a name."""
    code = (
        "import sys, json\n"
        "from miner.segment.presidio import PresidioNames\n"
        "from miner.topics.clusterer import _bertopic_class\n"
        "names = PresidioNames(prefilter=False)\n"
        "found = names.find(['I spoke to Margaret Thornbury on Tuesday and she was no help at all.'])\n"
        "_bertopic_class()\n"
        "print(json.dumps({'found': found, 'loaded': [m for m in ('transformers', 'plotly', 'umap', 'numba')\n"
        "                                              if sys.modules.get(m) is not None]}))\n"
    )
    result = _last_json(code)
    assert result["loaded"] == []
    assert result["found"] == [[[11, 29, "PERSON"]]]


def test_the_pain_point_model_alone_loads_without_spacy_or_the_hub_client():
    """Where the second process does the spaCy work (a fresh `mine`), this process's BERTopic import pulls in neither
    spaCy (BERTopic's part-of-speech representation) nor the Hugging Face hub client (its model saving)."""
    code = (
        "import sys, json\n"
        "from miner.topics.clusterer import _bertopic_class\n"
        "_bertopic_class()\n"
        "print(json.dumps([m for m in ('spacy', 'huggingface_hub', 'httpx') if sys.modules.get(m) is not None]))\n"
    )
    assert _last_json(code) == []


def test_the_second_process_redacts_and_segments_without_pandas():
    """What a fresh `mine`'s second process does (overlap.py `prepare`, after `second_process`) leaves pandas out:
    sqlite-utils would import it (~0.6 s of that process's start, which the first result waits on) unless it is
    imported through miner.store."""
    code = (
        "import sys, json\n"
        "from miner.pipeline.second import second_process\n"
        "second_process(True)\n"
        "from miner.pipeline.overlap import prepare\n"
        "from miner.ingest import Record\n"
        "from miner.segment import Segmenter\n"
        "from miner.segment.pii import redact_records\n"
        "records, segments = prepare([Record('t.csv', 2, 'Margaret Thornbury was rude. The refund never came.')],\n"
        "                            Segmenter(), redact_records)\n"
        "print(json.dumps({'text': records[0].text, 'segments': len(segments[0]),\n"
        "                  'pandas': sys.modules.get('pandas') is not None}))\n"
    )
    result = _last_json(code)
    assert result["pandas"] is False
    assert "Thornbury" not in result["text"] and result["segments"] >= 2
