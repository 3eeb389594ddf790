"""Writing user text into XLSX and CSV so that it never becomes a formula."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.safe_cells import (
    FORMULA_TRIGGERS,
    MAX_CELL_TEXT,
    clean_text,
    csv_safe,
    safe_cell_value,
    text_cell,
    write_text,
    write_value,
)

# Any text, surrogates and XML-illegal characters included, often starting like a
# formula, an error code or a DDE payload.
ANY_CHAR = st.characters(exclude_categories=())
STARTS = st.sampled_from(
    [
        "",
        *FORMULA_TRIGGERS,
        "=cmd|' /C calc'!A0",
        "#N/A",
        "#DIV/0!",
        "'",
        " ",
        "\n",
        "\r\n",
        "\ud83d=1",  # a lone surrogate
        "\uffff",  # a non-character
        "\x00=1",
    ]
)
TEXT = st.builds(lambda start, rest: start + rest, STARTS, st.text(ANY_CHAR, max_size=40))


def reload(workbook) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def expected(text: str):
    return clean_text(text) or None


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=15))
def test_text_written_in_normal_mode_comes_back_as_the_same_text(texts):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row, text in enumerate(texts, start=1):
        write_text(sheet.cell(row, 1), text)
        write_value(sheet.cell(row, 2), text)
    loaded = reload(workbook).active
    for row, text in enumerate(texts, start=1):
        for column in (1, 2):
            cell = loaded.cell(row, column)
            assert cell.data_type != "f"
            assert cell.value == expected(text)
            if cell.value is not None:
                assert cell.data_type == "s"


@settings(max_examples=60, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=15))
def test_text_written_in_write_only_mode_comes_back_as_the_same_text(texts):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Feuille")
    for text in texts:
        sheet.append([text_cell(sheet, text), text_cell(sheet, 42)])
    loaded = reload(workbook).active
    values = [(cell.value, cell.data_type) for cell in loaded["A"]]
    assert [value for value, _ in values] == [expected(text) for text in texts]
    assert all(kind in ("s", "n") for _, kind in values)
    assert [cell.value for cell in loaded["B"]] == [42] * len(texts)


@given(TEXT)
def test_csv_fields_never_start_like_a_formula(text):
    safe = csv_safe(text)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe in (text, "'" + text)
    assert (safe == text) == (not text.startswith(FORMULA_TRIGGERS))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(lambda s, r: s + r, STARTS, st.text(max_size=20)), max_size=8))
def test_csv_fields_come_back_prefixed_through_the_csv_module(texts):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=";").writerow([csv_safe(text) for text in texts])
    buffer.seek(0)
    rows = list(csv.reader(buffer, delimiter=";"))
    back = rows[0] if rows else []
    if texts == [""]:  # the csv module writes an empty line, read back as no field
        back = [""]
    assert back == [csv_safe(text) for text in texts]
    assert not any(field.startswith(FORMULA_TRIGGERS) for field in back)


def test_csv_safe_examples():
    assert csv_safe("=1+1") == "'=1+1"
    assert csv_safe("+33 6 12 34 56 78") == "'+33 6 12 34 56 78"
    assert csv_safe("-5") == "'-5"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe("\r=1") == "'\r=1"
    assert csv_safe("\uff1dSUM(A1)") == "'\uff1dSUM(A1)"
    assert csv_safe("Dupont") == "Dupont"
    assert csv_safe(" =1") == " =1"
    assert csv_safe(-5) == -5
    assert csv_safe(Decimal("-1.50")) == Decimal("-1.50")
    assert csv_safe(None) is None


def test_values_that_are_not_text_keep_their_type():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    values = [
        Decimal("151.67"),
        7.5,
        12,
        True,
        date(2024, 3, 1),
        datetime(2024, 3, 1, 10, 30),
        datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
        timedelta(hours=151, minutes=40),
        time(7, 30, tzinfo=UTC),
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "#N/A",
        None,
        "",
    ]
    for row, value in enumerate(values, start=1):
        write_value(sheet.cell(row, 1), value)
    loaded = reload(workbook).active
    got = [loaded.cell(row, 1).value for row in range(1, len(values) + 1)]
    assert got == [
        151.67,
        7.5,
        12,
        True,
        datetime(2024, 3, 1),
        datetime(2024, 3, 1, 10, 30),
        datetime(2024, 3, 1, 10, 30),
        timedelta(hours=151, minutes=40),
        time(7, 30),
        "nan",
        "inf",
        "NaN",
        "12345678-1234-5678-1234-567812345678",
        "#N/A",
        None,
        None,
    ]
    assert loaded.cell(14, 1).data_type == "s"  # not an error cell


def test_clean_text():
    assert clean_text("a\x00b\x1fc\ufffed\ud800e") == "abcde"
    assert clean_text("a\r\nb\rc\nd\te") == "a\nb\nc\nd\te"
    assert len(clean_text("x" * (MAX_CELL_TEXT + 10))) == MAX_CELL_TEXT
    assert safe_cell_value("=1+1") == "=1+1"  # text stays as is; write_text keeps it text


def test_write_text_of_a_number_is_text():
    workbook = openpyxl.Workbook()
    cell = write_text(workbook.active.cell(1, 1), 73282932000074)
    assert (cell.value, cell.data_type) == ("73282932000074", "s")
    assert write_text(workbook.active.cell(2, 1), "   ").value == "   "
    assert write_text(workbook.active.cell(3, 1), "\x01").value is None
