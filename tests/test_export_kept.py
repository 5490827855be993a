"""The assignments export carries the columns each item kept from its file (`Brand`, `Market`): a retailer who mined
two brands and five markets together could compare them in no export (miner/store/kept.py)."""

from __future__ import annotations

import csv

import pytest


@pytest.fixture
def branded(db, tmp_path, mini_taxonomy, fake_embedder, segmenter):
    from miner.pipeline import MineOptions, mine

    path = tmp_path / "reviews.csv"
    path.write_text(
        "id,text,Brand,Market,source\n"
        "1,I was charged twice for one order,Northline,DE,shop\n"
        '2,The app crashed when I tried to pay,=HYPERLINK("x"),FR,app\n'
        "3,The courier was two hours late and rude,Northline,,shop\n",
        encoding="utf-8",
    )
    mine(db, [path], MineOptions(taxonomy=mini_taxonomy, embedder=fake_embedder, segmenter=segmenter))
    return db


def test_the_assignments_export_ends_with_the_items_kept_columns(branded, tmp_path):
    from miner.report.exports import COLUMNS, export

    out = export(branded, tmp_path / "a.csv", "csv", table="assignments")
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert body and header == [*COLUMNS["assignments"], "Brand", "Market", "meta.source"]  # fixed ones first
    by_text = {row[header.index("text")]: dict(zip(header, row, strict=True)) for row in body}
    charged = next(r for t, r in by_text.items() if "charged" in t)
    assert (charged["Brand"], charged["Market"], charged["meta.source"]) == ("Northline", "DE", "shop")
    assert charged["source"] == "reviews.csv"  # the export's own column keeps its meaning
    crashed = [r for t, r in by_text.items() if "crashed" in t]
    assert all(r["Brand"] == '\'=HYPERLINK("x")' for r in crashed)  # neutralised as the other cells
    late = [r for t, r in by_text.items() if "courier" in t]
    assert all(r["Market"] == "" for r in late)  # a cell the item left empty


def test_parquet_types_the_kept_columns_as_text(branded, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from miner.report.exports import export

    table = pq.read_table(export(branded, tmp_path / "a.parquet", "parquet", table="assignments"))
    assert {"Brand", "Market"} <= set(table.column_names) and str(table.schema.field("Market").type) == "string"
