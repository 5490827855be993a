"""Formats, encodings, streaming and the one-sentence errors for bad input."""

import json

import pytest

from miner.errors import InputError
from miner.ingest import iter_file, read_file


def _xlsx(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_any_delimiter(tmp_path, delimiter):
    path = tmp_path / "f.csv"
    path.write_text(
        delimiter.join(["id", "text", "rating"]) + "\n" + delimiter.join(["1", "cold food and late", "2"]) + "\n"
    )
    [rec] = read_file(path)
    assert rec.text == "cold food and late" and rec.rating_raw == 2 and rec.source_id == "1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_excels_sep_line_names_the_delimiter(tmp_path, encoding):
    # Excel writes "sep=;" above the header of a CSV saved for another locale
    path = tmp_path / "sep.csv"
    rows = "sep=;\r\nID;Date;Rating;Comment\r\n1;2026-03-01;2;Late, cold and wrong\r\n2;2026-03-02;x;Rude driver\r\n"
    path.write_bytes(rows.encode(encoding))
    [rec] = read_file(path, on_error="skip")
    assert (rec.source_id, rec.text, rec.rating_raw, rec.line) == ("1", "Late, cold and wrong", 2, 3)
    assert "line 4" in rec.meta["_rejected"][0]  # lines count from the top of the file, the sep line included


def test_comma_in_quoted_field_and_multiline(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,text\n1,"cold, late\nand rude"\n2,fine\n')
    recs = read_file(path)
    assert recs[0].text == "cold, late\nand rude" and [r.line for r in recs] == [2, 4]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_encodings(tmp_path, encoding):
    path = tmp_path / "e.csv"
    path.write_bytes("id,text\n1,Café food was cold – again; naïve driver\n".encode(encoding))
    assert read_file(path)[0].text == "Café food was cold – again; naïve driver"
    assert read_file(path)[0].meta == {}  # no BOM left in a column name


def test_undecodable_byte_names_the_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("id,text\n1,Café is fine\n2,broken \xff byte\n".encode().replace(b"\xc3\xbf", b"\xff"))
    with pytest.raises(
        InputError, match=r"bad.csv, line 3: byte 0xff is not valid UTF-8.*save the file again as UTF-8"
    ):
        read_file(path)


def test_ragged_row_is_skipped_with_on_error_skip(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,fine\n2,too,many,fields\n3,late again\n")
    recs = read_file(path, on_error="skip")
    assert [r.text for r in recs] == ["fine", "late again"]
    assert "line 3" in recs[0].meta["_rejected"][0]


def test_one_megabyte_text(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("id,text\n1,short\n2," + "x" * 1_000_001 + "\n")
    with pytest.raises(InputError, match=r"big.csv, line 3, field 'text': the text is 1,000,001 characters.*split it"):
        read_file(path)


def test_json_array_and_nested_records(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"id": 1, "review": {"text": "Late again", "stars": 2}, "tags": ["a", "b"]}]))
    [rec] = read_file(path)
    assert rec.text == "Late again" and rec.rating_raw == 2 and rec.meta["tags"] == "a; b"


def test_xlsx(tmp_path):
    from datetime import datetime

    path = _xlsx(
        tmp_path / "r.xlsx", [["Review ID", "Rating", "Date", "Review"], ["x1", 2, datetime(2026, 1, 5), "Cold"]]
    )
    [rec] = read_file(path)
    assert rec.source_id == "x1" and rec.rating_raw == 2 and rec.date == "2026-01-05T00:00:00" and rec.line == 2


def test_xlsx_without_header(tmp_path):
    path = _xlsx(tmp_path / "nohead.xlsx", [[1, 4, "The food was cold and late"], [2, 5, "Great"]])
    expected = r"nohead.xlsx, line 1: sheet 'Sheet' has no header row: cell A1 holds a number, not a column name"
    with pytest.raises(InputError, match=expected):
        read_file(path)


def test_xlsx_zip_bomb_is_refused_before_loading(tmp_path, monkeypatch):
    from miner.ingest import tabular

    path = _xlsx(tmp_path / "bomb.xlsx", [["text"], ["fine"]])
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 1000)
    with pytest.raises(InputError, match="zip bomb"):
        read_file(path)
    (tmp_path / "fake.xlsx").write_text("not a zip")
    with pytest.raises(InputError, match="not a valid XLSX"):
        read_file(tmp_path / "fake.xlsx")


def test_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"review_id": ["p1", "p2"], "score": [1, 9], "comment": ["Slow app", "Fine"]}), path)
    recs = read_file(path)
    assert [r.source_id for r in recs] == ["p1", "p2"] and recs[0].rating_scale == "nps" and recs[1].line == 2


def test_csv_streams_in_chunks_with_progress(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("id,text,rating\n")
        for i in range(12_000):
            fh.write(f"{i},the parcel number {i} arrived late and the box was crushed,{i % 5 + 1}\n")
    seen = []
    chunks = iter_file(path, chunk_rows=5000, progress=seen.append)
    sizes = [len(c) for c in chunks]
    assert sizes == [5000, 5000, 2000]
    assert sum(seen) == path.stat().st_size


def test_plain_text_review_file(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("The website never shows the delivery fee.\n")
    [rec] = read_file(path)
    assert rec.kind == "review" and rec.source_id == "note"


def test_broken_json_says_where_on_the_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "cut off\n')
    with pytest.raises(InputError, match=r"line 2: broken JSON \(Unterminated string starting at column 10\)"):
        read_file(path)
    whole = tmp_path / "broken.json"
    whole.write_text('[{"text": "fine"},\n {"text" "no colon"}]')
    with pytest.raises(InputError, match=r"line 2: broken JSON \(Expecting ':' delimiter at column 10\)"):
        read_file(whole)


def test_a_json_array_counts_records_not_lines(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"text": "late"}, {"text": "cold"}, {"text": ""}]))
    with pytest.raises(InputError, match=r"a.json, record 3, field 'text': the text is empty"):
        read_file(path)
    path.write_text(json.dumps([{"text": "late"}, 4]))
    with pytest.raises(InputError, match=r"a.json, record 2: the record is not an object"):
        read_file(path)


def test_the_one_list_of_records_one_object_down_is_read(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"meta": {"count": 1}, "data": {"items": [{"text": "the app crashed"}]}}))
    assert [r.text for r in read_file(path)] == ["the app crashed"]
    path.write_text(json.dumps({"a": {"x": [{"text": "one"}]}, "b": {"y": [{"text": "two"}]}}))
    with pytest.raises(InputError, match="holds no list of records"):
        read_file(path)  # two candidate lists: no guess


def test_a_title_above_the_header_names_the_real_header_row(tmp_path):
    path = tmp_path / "pre.xlsx"
    _xlsx(path, [["Export generated 2026-03-01", None, None], ["Filters: none", None, None],
                 ["review_id", "date", "review"], ["R1", "2026-03-01", "the driver was late"]])  # fmt: skip
    expected = r"pre.xlsx: row 1 was read as the header; the real header seems to be on row 3 \(remove the rows above"
    with pytest.raises(InputError, match=expected):
        read_file(path)
    csv = tmp_path / "pre.csv"
    csv.write_text("Monthly export,,\nid,date,comment\n1,2026-03-01,cold food\n")
    with pytest.raises(InputError, match="the real header seems to be on row 2"):
        read_file(csv)
    csv.write_text(",,comment\n1,2026-03-01,cold food\n")  # unnamed columns, no header below: read as before
    assert read_file(csv)[0].text == "cold food"


@pytest.mark.parametrize(
    ("title", "row"),
    [("Export of reviews Nov 2026\n", 2), ("Export of reviews, Nov 2026\n\n", 3), ("Export, Nov 2026,\n", 2)],
)
def test_a_title_with_fewer_cells_than_the_header_names_the_real_header_row(tmp_path, title, row):
    """A title line with no delimiter (or one) was the header of one or two names that no row matched: the file was
    refused as having 'no text column (columns are: Export of reviews Nov 2026)', pointing at --text-col."""
    path = tmp_path / "titled.csv"
    path.write_text(title + "id,date,rating,text\nB1,2026-03-01,1,The food was cold.\n")
    with pytest.raises(InputError, match=f"row 1 was read as the header; the real header seems to be on row {row}"):
        read_file(path)


def test_a_row_wider_than_a_named_header_is_no_title(tmp_path):
    """A header that names a known column keeps it, whatever a wider row below holds (that row is rejected alone)."""
    path = tmp_path / "wide.csv"
    path.write_text("id,text\n1,cold food\nid,date,rating,text\n")
    with pytest.raises(InputError, match="line 3: the row has 4 fields but the header has 2"):
        read_file(path)
