"""Small files built in memory for the import tests."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

TEMPLATE_HEADERS = [
    "SIRET employeur",
    "Référence marché",
    "Lot",
    "Nom",
    "Prénom",
    "Date de naissance",
    "Type de contrat",
    "Début contrat",
    "Fin contrat",
    "Mois",
    "Heures travaillées",
    "Dont heures de formation",
    "Commentaire",
]
SIRET = "73282932000074"


def good_row(**changes: Any) -> list[Any]:
    """A valid data row in the template's column order, as text."""
    row = {
        "SIRET employeur": SIRET,
        "Référence marché": "M2023-001",
        "Lot": "1",
        "Nom": "Dupont",
        "Prénom": "Jean",
        "Date de naissance": "15/03/1985",
        "Type de contrat": "CDDI",
        "Début contrat": "02/01/2023",
        "Fin contrat": "31/12/2024",
        "Mois": "03/2024",
        "Heures travaillées": "151,67",
        "Dont heures de formation": "",
        "Commentaire": "",
    }
    row.update(changes)
    return [row[header] for header in TEMPLATE_HEADERS]


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Heures",
    sheets_before: Sequence[tuple[str, Sequence[Sequence[Any]]]] = (),
    hidden: bool = False,
) -> bytes:
    workbook = Workbook()
    first = workbook.active
    for index, (name, content) in enumerate(sheets_before):
        sheet = first if index == 0 else workbook.create_sheet(name)
        sheet.title = name
        for row in content:
            sheet.append(list(row))
    sheet = workbook.create_sheet(title) if sheets_before else first
    sheet.title = title
    if hidden:
        sheet.sheet_state = "hidden"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: Sequence[Sequence[Any]], delimiter: str = ";", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode(encoding)


def zip_bytes(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            if name == "mimetype":
                archive.writestr(name, content, compress_type=zipfile.ZIP_STORED)
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def replace_member(xlsx: bytes, name: str, content: bytes | str) -> bytes:
    """The same zip with one member's content replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    members: dict[str, bytes | str] = {
        info.filename: source.read(info) for info in source.infolist()
    }
    members[name] = content
    return zip_bytes(members)


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_bytes(
    table_body: str, *, table_prefix: str = "table", manifest: str = ODS_MANIFEST
) -> bytes:
    """An ODS whose single table holds ``table_body`` (rows written with the
    ``table:`` prefix, renamed to ``table_prefix``)."""
    body = table_body.replace("table:", f"{table_prefix}:")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:{table_prefix}="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><{table_prefix}:table {table_prefix}:name="Heures">'
        f"{body}</{table_prefix}:table></office:spreadsheet></office:body></office:document-content>"
    )
    return zip_bytes(
        {
            "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
            "META-INF/manifest.xml": manifest,
            "content.xml": content,
        }
    )


def ods_cell(value: str) -> str:
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def ods_row(values: Sequence[str]) -> str:
    return "<table:table-row>" + "".join(ods_cell(v) for v in values) + "</table:table-row>"
