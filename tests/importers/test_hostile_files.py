"""Hostile and wrong files: each is refused with its French message, quickly,
without the memory blowing up, and never with a crash.

Cases that could crash calamine (SIGABRT cannot be caught) run in a child
process: a regression fails the test instead of killing pytest.
"""

from __future__ import annotations

import io
import json
import random
import resource
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from importers import FileRejected, Limits, read_rows
from tests.importers.builders import (
    TEMPLATE_HEADERS,
    csv_bytes,
    good_row,
    ods_bytes,
    ods_cell,
    ods_row,
    replace_member,
    xlsx_bytes,
    zip_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "spreadsheets"

ENCRYPTED = (
    "Le classeur est protégé par un mot de passe : enregistrez-le sans mot de passe "
    "puis déposez-le à nouveau."
)
DAMAGED = (
    "Le fichier est endommagé ou incomplet : ouvrez-le dans votre tableur, "
    "enregistrez-le à nouveau puis déposez-le."
)
FORBIDDEN_XML = (
    "Le fichier contient des déclarations XML interdites (DTD ou entités) : "
    "enregistrez-le à nouveau depuis Excel ou LibreOffice puis déposez-le."
)
TOO_MANY_COLUMNS = (
    "La feuille « {sheet} » contient des cellules au-delà de la colonne AX (50 colonnes au "
    "plus) : supprimez les colonnes inutiles à droite du tableau puis déposez le fichier à nouveau."
)
TOO_MANY_ROWS = (
    "La feuille « {sheet} » va au-delà de la ligne 200020 (au plus 200000 lignes de données) : "
    "supprimez les lignes inutiles en bas de la feuille ou découpez le relevé en plusieurs "
    "fichiers."
)
NOT_SPREADSHEET = (
    "Ce fichier n'est pas un tableur (XLSX, ODS ou CSV){what} : enregistrez le relevé d'heures "
    "depuis Excel ou LibreOffice au format .xlsx, .ods ou .csv puis déposez-le à nouveau."
)

CHILD = r"""
import json, resource, sys, time
from importers import FileRejected, read_rows
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    reader = read_rows(sys.argv[1])
    rows = list(reader)
    outcome = {"rows": len(rows), "engine": reader.summary.engine,
               "errors": sum(1 for row in rows if row.errors)}
except FileRejected as error:
    outcome = {"rejected": error.message}
outcome["seconds"] = time.perf_counter() - start
outcome["growth_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps(outcome))
"""


def _limit_memory() -> None:
    # A regression then fails fast in the child instead of swapping the machine.
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def read_in_child(tmp_path: Path, data: bytes, name: str = "upload.xlsx") -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert done.returncode == 0, f"child died ({done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_rejected_in_child(outcome: dict, message: str) -> None:
    assert outcome.get("rejected") == message
    assert outcome["seconds"] < 2
    assert outcome["growth_mb"] < 50


def rejected_quickly(data: bytes | Path, limits: Limits | None = None) -> str:
    """Read in this process; return the French message, checking time and memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(FileRejected) as caught:
            reader = read_rows(data, limits=limits) if limits else read_rows(data)
            list(reader)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 50 * 1024 * 1024
    return caught.value.message


# ------------------------------------------------------------ zip crafting


def _central_entry(data: bytes, name: str) -> int:
    offset = data.find(b"PK\x01\x02")
    while offset >= 0:
        name_length = struct.unpack_from("<H", data, offset + 28)[0]
        if data[offset + 46 : offset + 46 + name_length] == name.encode():
            return offset
        offset = data.find(b"PK\x01\x02", offset + 4)
    raise AssertionError(name)


def patch_central(
    data: bytes, name: str, *, file_size: int | None = None, flags: int | None = None
) -> bytes:
    """Rewrite the central directory entry of ``name`` (the local header is left as is)."""
    patched = bytearray(data)
    entry = _central_entry(data, name)
    if file_size is not None:
        struct.pack_into("<I", patched, entry + 24, file_size)
    if flags is not None:
        struct.pack_into("<H", patched, entry + 8, flags)
    return bytes(patched)


def template_xlsx() -> bytes:
    return xlsx_bytes([TEMPLATE_HEADERS, good_row()])


def sheet_xml(rows_xml: str, dimension: str | None = "A1") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows_xml}</sheetData></worksheet>"
    )


def inline(ref: str, text: str) -> str:
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


# ------------------------------------------------------------ not spreadsheets


def test_empty_file():
    assert rejected_quickly(FIXTURES / "vide.xlsx") == (
        "Le fichier est vide : déposez le relevé d'heures rempli (XLSX, ODS ou CSV)."
    )
    assert rejected_quickly(b" \r\n\t ").startswith("Le fichier est vide")


def test_pdf_renamed_xlsx():
    assert rejected_quickly(FIXTURES / "pdf_renomme.xlsx") == NOT_SPREADSHEET.format(
        what=" (c'est un document PDF)"
    )


def test_image():
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    assert rejected_quickly(png) == NOT_SPREADSHEET.format(what=" (c'est une image)")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes(seed):
    data = random.Random(seed).randbytes(50_000)
    assert rejected_quickly(data) == NOT_SPREADSHEET.format(what="")


def test_web_page_named_xls():
    html = b"<html><body><table><tr><td>Nom</td></tr></table></body></html>"
    assert rejected_quickly(html).startswith(
        "Ce fichier est une page web ou un document XML, pas un tableur"
    )


def test_other_zip_document():
    docx = zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
    assert rejected_quickly(docx) == NOT_SPREADSHEET.format(
        what=" (c'est une archive ZIP ou un document d'un autre type)"
    )


def test_odf_text_document():
    odt = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"})
    assert rejected_quickly(odt) == NOT_SPREADSHEET.format(
        what=" (c'est un document LibreOffice d'un autre type)"
    )


def test_xlsb():
    xlsb = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.bin": b"\x00\x01"})
    assert rejected_quickly(xlsb).startswith("Ce classeur est au format Excel binaire (.xlsb)")


def test_legacy_xls_saved_by_libreoffice():
    assert rejected_quickly(FIXTURES / "ancien_format.xls") == (
        "Ce classeur est au format Excel 97-2003 (.xls), qui n'est pas accepté : ouvrez-le et "
        "enregistrez-le au format .xlsx (« Classeur Excel ») puis déposez-le à nouveau."
    )


def test_upload_too_big():
    message = rejected_quickly(template_xlsx(), Limits(max_upload_bytes=1000))
    assert message.startswith("Le fichier pèse 0.0 Mo, au-delà de la limite de 0 Mo")


def test_upload_too_big_from_a_path_is_not_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a;b\n" * 10_000)
    assert rejected_quickly(path, Limits(max_upload_bytes=1000)).startswith("Le fichier pèse")


# ------------------------------------------------------------ passwords


def test_password_protected_workbook_encrypted_by_office_tools():
    assert rejected_quickly(FIXTURES / "protege_motdepasse.xlsx") == ENCRYPTED


def test_minimal_ole2_with_an_encryption_info_stream():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le")
    assert rejected_quickly(ole2) == ENCRYPTED


def test_zip_member_flagged_encrypted():
    data = patch_central(template_xlsx(), "xl/workbook.xml", flags=0x1)
    assert rejected_quickly(data) == ENCRYPTED


def test_password_protected_ods():
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data '
        'manifest:checksum="x"/></manifest:file-entry></manifest:manifest>'
    )
    assert rejected_quickly(ods_bytes(ods_row(["a"]), manifest=manifest)) == ENCRYPTED


# ------------------------------------------------------------ zip bombs


def test_zip_bomb_by_compression_ratio():
    bomb = zip_bytes(
        {
            "[Content_Types].xml": "<Types/>",
            "xl/workbook.xml": "<workbook/>",
            "xl/media/image1.bin": bytes(30 * 1024 * 1024),
        }
    )
    assert len(bomb) < 100_000
    assert rejected_quickly(bomb) == (
        "Le fichier est anormalement compressé (il grossit plus de 100 fois une fois ouvert) : "
        "il ne peut pas être lu. Enregistrez-le à nouveau depuis votre tableur puis déposez-le."
    )


def test_zip_bomb_by_declared_total_size():
    data = patch_central(template_xlsx(), "xl/styles.xml", file_size=3_000_000_000)
    assert rejected_quickly(data) == (
        "Une fois décompressé, le fichier dépasse 200 Mo : il est trop volumineux pour être lu. "
        "Découpez-le en plusieurs fichiers ou supprimez les feuilles et images inutiles."
    )


def test_zip_bomb_hiding_behind_a_small_declared_size(tmp_path):
    """The directory says 200 bytes; the stream inflates to 30 MB."""
    xlsx = replace_member(template_xlsx(), "xl/theme/theme1.xml", bytes(30 * 1024 * 1024))
    lying = patch_central(xlsx, "xl/theme/theme1.xml", file_size=200)
    assert rejected_quickly(lying) == DAMAGED
    assert_rejected_in_child(read_in_child(tmp_path, lying), DAMAGED)


def test_too_many_members():
    assert rejected_quickly(template_xlsx(), Limits(max_zip_members=5)).startswith(
        "Le fichier contient 9 éléments compressés (au plus 5)"
    )


def test_duplicate_member_names():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert rejected_quickly(buffer.getvalue()) == DAMAGED


def test_truncated_workbook():
    data = template_xlsx()
    assert rejected_quickly(data[: len(data) // 2]) == DAMAGED


def test_corrupted_deflate_stream():
    data = bytearray(template_xlsx())
    entry = _central_entry(bytes(data), "xl/worksheets/sheet1.xml")
    local = struct.unpack_from("<I", data, entry + 42)[0]
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    start = local + 30 + name_length + extra_length
    data[start : start + 40] = bytes(40)
    assert rejected_quickly(bytes(data)) == DAMAGED


# ------------------------------------------------------- sheets beyond limits


def test_cell_at_xfd1048576_is_rejected_before_calamine(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Heures"
    sheet["A1"] = 1
    sheet["XFD1048576"] = 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert len(data) < 10_000
    assert b'<dimension ref="A1:XFD1048576"' in zipfile.ZipFile(buffer).read(
        "xl/worksheets/sheet1.xml"
    )
    assert_rejected_in_child(read_in_child(tmp_path, data), TOO_MANY_COLUMNS.format(sheet="Heures"))


def test_far_cell_without_dimension_is_rejected(tmp_path):
    rows = (
        f'<row r="1">{inline("A1", "x")}</row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, None))
    assert_rejected_in_child(read_in_child(tmp_path, data), TOO_MANY_COLUMNS.format(sheet="Heures"))


def test_lowercase_far_reference_is_rejected(tmp_path):
    rows = f'<row r="1">{inline("A1", "x")}<c r="xfd1"><v>2</v></c></row>'
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, None))
    assert_rejected_in_child(read_in_child(tmp_path, data), TOO_MANY_COLUMNS.format(sheet="Heures"))


def test_far_row_hidden_behind_a_small_dimension(tmp_path):
    rows = f'<row r="1">{inline("A1", "x")}</row><row r="900000"><c r="A900000"><v>2</v></c></row>'
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, "A1:A2"))
    assert_rejected_in_child(read_in_child(tmp_path, data), TOO_MANY_ROWS.format(sheet="Heures"))


def test_declared_dimension_beyond_the_limits():
    rows = f'<row r="1">{inline("A1", "x")}</row>'
    data = replace_member(
        template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, "A1:M1048576")
    )
    assert rejected_quickly(data) == TOO_MANY_ROWS.format(sheet="Heures")


def test_too_many_row_elements_without_references():
    rows = "<row><c><v>1</v></c></row>" * 200_100
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, None))
    # So repetitive a sheet is also a compression-ratio bomb: lift that check here.
    message = rejected_quickly(data, Limits(max_compression_ratio=100_000))
    assert message == TOO_MANY_ROWS.format(sheet="Heures")


def test_cells_without_references_are_read_by_openpyxl(tmp_path):
    """Positions then depend on counting: calamine is not trusted with them."""
    header = "".join(inline("", text) for text in TEMPLATE_HEADERS)
    data_row = "".join(inline("", str(value)) for value in good_row())
    wide = "".join(f"<c><v>{i}</v></c>" for i in range(20_000))
    rows = f"<row>{header}</row><row>{data_row}</row><row>{wide}</row>"
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, None))
    outcome = read_in_child(tmp_path, data)
    assert outcome["engine"] == "openpyxl"
    assert outcome["rows"] == 2  # the good row, and the wide row full of errors
    assert outcome["errors"] == 1
    assert outcome["seconds"] < 2


def test_spaces_around_equal_signs_also_fall_back_to_openpyxl():
    header = "".join(inline(f"{chr(65 + i)}1", text) for i, text in enumerate(TEMPLATE_HEADERS))
    cells = "".join(
        f'<c r = "{chr(65 + i)}2" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(good_row())
    )
    rows = f'<row r="1">{header}</row><row r="2">{cells}</row>'
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", sheet_xml(rows, None))
    reader = read_rows(data)
    assert [row.ok for row in reader] == [True]
    assert reader.summary.engine == "openpyxl"


def test_ods_value_repeated_over_a_million_rows(tmp_path):
    body = (
        '<table:table-row table:number-rows-repeated="1000000">'
        + ods_cell("1")
        + "</table:table-row>"
    )
    outcome = read_in_child(tmp_path, ods_bytes(body), "upload.ods")
    assert_rejected_in_child(outcome, TOO_MANY_ROWS.format(sheet="Heures"))


def test_ods_value_after_a_wide_empty_gap(tmp_path):
    body = (
        "<table:table-row>"
        + ods_cell("a")
        + '<table:table-cell table:number-columns-repeated="16000"/>'
        + ods_cell("b")
        + "</table:table-row>"
    )
    outcome = read_in_child(tmp_path, ods_bytes(body), "upload.ods")
    assert_rejected_in_child(outcome, TOO_MANY_COLUMNS.format(sheet="Heures"))


def test_ods_value_after_a_tall_empty_gap(tmp_path):
    body = (
        ods_row(["a"])
        + '<table:table-row table:number-rows-repeated="1000000">'
        + "<table:table-cell/></table:table-row>"
        + ods_row(["b"])
    )
    outcome = read_in_child(tmp_path, ods_bytes(body), "upload.ods")
    assert_rejected_in_child(outcome, TOO_MANY_ROWS.format(sheet="Heures"))


def test_ods_trailing_empty_repetitions_are_fine():
    body = (
        ods_row(TEMPLATE_HEADERS)
        + ods_row([str(value) for value in good_row()]).replace(
            "</table:table-row>",
            '<table:table-cell table:number-columns-repeated="16371"/></table:table-row>',
        )
        + '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    rows = list(read_rows(ods_bytes(body)))
    assert [(row.row_number, row.ok) for row in rows] == [(2, True)]


def test_ods_with_other_namespace_prefixes_is_measured_by_expat():
    body = (
        "<table:table-row>"
        + ods_cell("a")
        + '<table:table-cell table:number-columns-repeated="16000"/>'
        + ods_cell("b")
        + "</table:table-row>"
    )
    assert rejected_quickly(ods_bytes(body, table_prefix="t")) == TOO_MANY_COLUMNS.format(
        sheet="Heures"
    )


# ------------------------------------------------------------ XXE, laughs

XXE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'count="1" uniqueCount="1">'
    "<si><t>&xxe;</t></si></sst>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
)


def _shared_strings_xlsx() -> bytes:
    """Saved by LibreOffice: its text cells point into xl/sharedStrings.xml."""
    data = (FIXTURES / "formules_libreoffice.xlsx").read_bytes()
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    return data


def test_xxe_in_shared_strings(tmp_path):
    data = replace_member(_shared_strings_xlsx(), "xl/sharedStrings.xml", XXE)
    assert rejected_quickly(data) == FORBIDDEN_XML
    assert_rejected_in_child(read_in_child(tmp_path, data), FORBIDDEN_XML)


def test_billion_laughs_in_sheet(tmp_path):
    data = replace_member(template_xlsx(), "xl/worksheets/sheet1.xml", LAUGHS)
    assert rejected_quickly(data) == FORBIDDEN_XML
    assert_rejected_in_child(read_in_child(tmp_path, data), FORBIDDEN_XML)


def test_billion_laughs_in_ods_content(tmp_path):
    content = LAUGHS.replace("worksheet", "office:document-content")
    data = replace_member(ods_bytes(ods_row(["a"])), "content.xml", content)
    assert rejected_quickly(data) == FORBIDDEN_XML


def test_xxe_in_workbook_part():
    workbook_xml = zipfile.ZipFile(io.BytesIO(template_xlsx())).read("xl/workbook.xml").decode()
    hostile = workbook_xml.replace(
        "<workbook", '<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]><workbook', 1
    )
    assert (
        rejected_quickly(replace_member(template_xlsx(), "xl/workbook.xml", hostile))
        == FORBIDDEN_XML
    )


def test_openpyxl_itself_refuses_entities():
    """Defence in depth: openpyxl parses through defusedxml when it is installed."""
    import openpyxl
    from defusedxml import DefusedXmlException

    assert openpyxl.DEFUSEDXML is True
    data = replace_member(_shared_strings_xlsx(), "xl/sharedStrings.xml", XXE)
    with pytest.raises(ValueError, match="Unable to read workbook") as caught:
        openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert isinstance(caught.value.__context__, DefusedXmlException)


CALAMINE_CHILD = r"""
import io, json, sys
from python_calamine import CalamineWorkbook
try:
    workbook = CalamineWorkbook.from_path(sys.argv[1])
    values = workbook.get_sheet_by_index(0).to_python()
    print(json.dumps({"longest": max((len(str(v)) for row in values for v in row), default=0),
                      "passwd": any("root:" in str(v) for row in values for v in row)}))
except Exception as error:
    print(json.dumps({"error": type(error).__name__}))
"""


@pytest.mark.parametrize(
    ("member", "payload", "maker"),
    [
        ("xl/sharedStrings.xml", XXE, _shared_strings_xlsx),
        ("xl/worksheets/sheet1.xml", LAUGHS, template_xlsx),
    ],
)
def test_calamine_itself_does_not_expand_entities(tmp_path, member, payload, maker):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(replace_member(maker(), member, payload))
    done = subprocess.run(
        [sys.executable, "-c", CALAMINE_CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert "error" in outcome or (outcome["longest"] < 100 and not outcome["passwd"])


# ------------------------------------------------------------ CSV


def test_csv_with_an_unclosed_quote_and_a_huge_field():
    data = b'Nom;Pr\xc3\xa9nom\n"' + b"x" * 200_000 + b"\n"
    assert rejected_quickly(data).startswith("Le fichier CSV est mal formé")


def test_csv_in_an_unknown_encoding():
    data = "Nom;Prénom\n".encode() + b"\x81\x8d\x8f\x90\x9d" + b"abc\n" * 100
    assert rejected_quickly(data).startswith("Le texte de ce fichier CSV n'est ni en UTF-8")


def test_more_rows_than_the_limit():
    rows = [TEMPLATE_HEADERS] + [good_row(**{"Nom": f"Nom{i}"}) for i in range(5)]
    message = rejected_quickly(csv_bytes(rows), Limits(max_rows=3))
    assert message == (
        "Le relevé compte plus de 3 lignes : découpez-le en plusieurs fichiers puis "
        "déposez-les un par un."
    )


MUTATIONS_CHILD = r"""
import json, random, sys
from importers import FileRejected, read_rows
original = open(sys.argv[1], "rb").read()
generator = random.Random(7)
outcomes = {"rejected": 0, "read": 0, "other": []}
for _ in range(80):
    data = bytearray(original)
    for _ in range(generator.randint(1, 8)):
        data[generator.randrange(len(data))] = generator.randrange(256)
    try:
        list(read_rows(bytes(data)))
        outcomes["read"] += 1
    except FileRejected as error:
        outcomes["rejected"] += bool(error.message)
    except Exception as error:
        outcomes["other"].append(repr(error))
print(json.dumps(outcomes))
"""


def test_randomly_damaged_workbooks_are_rejected_or_read_never_crash():
    done = subprocess.run(
        [sys.executable, "-c", MUTATIONS_CHILD, str(FIXTURES / "releve_openpyxl.xlsx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcomes = json.loads(done.stdout)
    assert outcomes["other"] == []
    assert outcomes["rejected"] + outcomes["read"] == 80
    assert outcomes["rejected"] > 40


def test_workbook_with_stored_members_reads():
    source = zipfile.ZipFile(io.BytesIO(template_xlsx()))
    members = {info.filename: source.read(info) for info in source.infolist()}
    stored = zip_bytes(members, compression=zipfile.ZIP_STORED)
    assert {info.compress_type for info in zipfile.ZipFile(io.BytesIO(stored)).infolist()} == {0}
    assert [row.ok for row in read_rows(stored)] == [True]
