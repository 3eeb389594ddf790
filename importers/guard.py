"""First look at an uploaded file, before any spreadsheet parser runs.

The format comes from the bytes, never from the file name: XLSX/XLSM (zip with
``xl/workbook.xml``), ODS (zip whose ``mimetype`` is the spreadsheet one), or
CSV (text in UTF-8, UTF-16 with BOM or cp1252). Everything else is refused with
a French message: empty file, password-protected workbook, legacy .xls, PDF,
image, web page, random bytes, zip bomb, XML with DTD/entities, sheets beyond
the limits. ``inspect_upload`` never raises anything but ``FileRejected``.
"""

from __future__ import annotations

import enum
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from importers.errors import FileRejected
from importers.limits import DEFAULT_LIMITS, MB, Limits
from importers.sheetscan import (
    XlsxSheet,
    read_xlsx_workbook,
    scan_ods_content,
    scan_plain_part,
    scan_xlsx_sheet,
)
from importers.zipguard import DAMAGED, ENCRYPTED, open_zip, read_member

EMPTY = "Le fichier est vide : déposez le relevé d'heures rempli (XLSX, ODS ou CSV)."
NOT_SPREADSHEET = (
    "Ce fichier n'est pas un tableur (XLSX, ODS ou CSV){what} : enregistrez le relevé "
    "d'heures depuis Excel ou LibreOffice au format .xlsx, .ods ou .csv puis déposez-le "
    "à nouveau."
)
LEGACY_XLS = (
    "Ce classeur est au format Excel 97-2003 (.xls), qui n'est pas accepté : ouvrez-le "
    "et enregistrez-le au format .xlsx (« Classeur Excel ») puis déposez-le à nouveau."
)
XLSB = (
    "Ce classeur est au format Excel binaire (.xlsb), qui n'est pas accepté : ouvrez-le "
    "et enregistrez-le au format .xlsx (« Classeur Excel ») puis déposez-le à nouveau."
)
MARKUP = (
    "Ce fichier est une page web ou un document XML, pas un tableur : ouvrez-le dans "
    "votre tableur et enregistrez-le au format .xlsx, .ods ou .csv puis déposez-le à nouveau."
)
ENCODING = (
    "Le texte de ce fichier CSV n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le "
    "en « CSV UTF-8 » depuis votre tableur puis déposez-le à nouveau."
)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODF_PREFIX = b"application/vnd.oasis.opendocument."
# Stream names of an OLE2 directory are UTF-16LE: an encrypted OOXML package
# (Office "Encrypt with password") holds these two streams.
_ENCRYPTION_STREAMS = (
    "EncryptionInfo".encode("utf-16-le"),
    "EncryptedPackage".encode("utf-16-le"),
)
_KNOWN_BINARIES = (
    (b"%PDF-", " (c'est un document PDF)"),
    (b"\x89PNG", " (c'est une image)"),
    (b"\xff\xd8\xff", " (c'est une image)"),
    (b"GIF8", " (c'est une image)"),
    (b"{\\rtf", " (c'est un document texte mis en forme)"),
    (b"\x7fELF", ""),
    (b"\x1f\x8b", " (c'est une archive compressée)"),
    (b"Rar!", " (c'est une archive compressée)"),
    (b"7z\xbc\xaf", " (c'est une archive compressée)"),
)
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


class FileFormat(enum.StrEnum):
    XLSX = "xlsx"
    ODS = "ods"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the guard learnt. ``data`` holds the upload (20 MB at most)."""

    format: FileFormat
    data: bytes
    date1904: bool = False
    xlsx_sheets: tuple[XlsxSheet, ...] = ()
    text: str | None = None  # CSV only, decoded
    encoding: str | None = None  # CSV only


Source = bytes | bytearray | memoryview | str | os.PathLike | BinaryIO


def _too_big(size: int, limits: Limits) -> FileRejected:
    return FileRejected(
        f"Le fichier pèse {size / MB:.1f} Mo, au-delà de la limite de "
        f"{limits.max_upload_bytes / MB:.0f} Mo : découpez le relevé en plusieurs fichiers "
        "ou supprimez les feuilles et images inutiles."
    )


def load_bytes(source: Source, limits: Limits) -> bytes:
    """The upload's bytes, refusing what is larger than the limit without reading it."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        size = os.path.getsize(source)
        if size > limits.max_upload_bytes:
            raise _too_big(size, limits)
        with open(source, "rb") as handle:
            data = handle.read(limits.max_upload_bytes + 1)
    else:
        data = source.read(limits.max_upload_bytes + 1)
    if len(data) > limits.max_upload_bytes:
        raise _too_big(len(data), limits)
    return data


def inspect_upload(source: Source, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Detect the format and run every check that can be run before parsing.

    Worksheets of an XLSX are measured later, one by one, by ``check_xlsx_sheet``
    right before the reader opens them (a sheet that is never read is not held
    against the file)."""
    data = load_bytes(source, limits)
    if not data.strip():
        raise FileRejected(EMPTY)
    if data.startswith(OLE2_MAGIC):
        if any(name in data for name in _ENCRYPTION_STREAMS):
            raise FileRejected(ENCRYPTED)
        raise FileRejected(LEGACY_XLS)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _inspect_zip(data, limits)
    for magic, what in _KNOWN_BINARIES:
        if data.startswith(magic):
            raise FileRejected(NOT_SPREADSHEET.format(what=what))
    return _inspect_text(data)


# ----------------------------------------------------------------------- zip


def _inspect_zip(data: bytes, limits: Limits) -> Inspection:
    archive = open_zip(data, limits)
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return _inspect_xlsx(data, archive)
    if "xl/workbook.bin" in names:
        raise FileRejected(XLSB)
    if "mimetype" in names:
        mimetype = read_member(data, archive.getinfo("mimetype"), 1024).strip()
        if mimetype == ODS_MIMETYPE:
            return _inspect_ods(data, archive, limits)
        if mimetype.startswith(_ODF_PREFIX):
            raise FileRejected(
                NOT_SPREADSHEET.format(what=" (c'est un document LibreOffice d'un autre type)")
            )
    raise FileRejected(
        NOT_SPREADSHEET.format(what=" (c'est une archive ZIP ou un document d'un autre type)")
    )


def _scan_parts(data: bytes, archive: zipfile.ZipFile, skip: set[str]) -> None:
    for info in archive.infolist():
        if info.filename not in skip and not info.is_dir():
            scan_plain_part(data, info)


def _inspect_xlsx(data: bytes, archive: zipfile.ZipFile) -> Inspection:
    workbook = read_xlsx_workbook(data, archive)
    parts = {sheet.part for sheet in workbook.sheets}
    # Every other part is decompressed once here: sizes are enforced and XML
    # with a DTD is refused before calamine or openpyxl opens the file.
    _scan_parts(data, archive, parts)
    if not workbook.sheets:
        raise FileRejected("Le classeur ne contient aucune feuille de calcul à lire.")
    names = set(archive.namelist())
    missing = [sheet.part for sheet in workbook.sheets if sheet.part not in names]
    if missing:
        raise FileRejected(DAMAGED)
    return Inspection(FileFormat.XLSX, data, workbook.date1904, workbook.sheets)


def check_xlsx_sheet(inspection: Inspection, sheet: XlsxSheet, limits: Limits) -> bool:
    """Measure one worksheet before it is parsed (raises FileRejected beyond the
    limits). Returns whether it is safe for calamine (see ``sheetscan``)."""
    archive = zipfile.ZipFile(io.BytesIO(inspection.data))
    return scan_xlsx_sheet(inspection.data, archive.getinfo(sheet.part), sheet.name, limits)


def _inspect_ods(data: bytes, archive: zipfile.ZipFile, limits: Limits) -> Inspection:
    names = set(archive.namelist())
    if "META-INF/manifest.xml" in names:
        manifest = read_member(data, archive.getinfo("META-INF/manifest.xml"), MB)
        if b"encryption-data" in manifest:
            raise FileRejected(ENCRYPTED)
    if "content.xml" not in names:
        raise FileRejected(DAMAGED)
    _scan_parts(data, archive, {"content.xml"})
    scan_ods_content(data, archive.getinfo("content.xml"), limits)
    return Inspection(FileFormat.ODS, data)


# ---------------------------------------------------------------------- text


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)  # Excel's « Texte Unicode »
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(ENCODING)


def _looks_like_text(text: str) -> bool:
    sample = text[:100_000]
    controls = sum(
        1
        for ch in sample
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
    )
    return "\x00" not in sample and controls <= len(sample) // 1000


def _inspect_text(data: bytes) -> Inspection:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(NOT_SPREADSHEET.format(what=""))
    try:
        text, encoding = _decode(data)
    except FileRejected:
        if b"\x00" in data or not _mostly_printable(data):
            raise FileRejected(NOT_SPREADSHEET.format(what="")) from None
        raise
    if not _looks_like_text(text):
        raise FileRejected(NOT_SPREADSHEET.format(what=""))
    if text.lstrip().startswith("<"):
        raise FileRejected(MARKUP)
    return Inspection(FileFormat.CSV, data, text=text, encoding=encoding)


def _mostly_printable(data: bytes) -> bool:
    sample = data[:4096]
    printable = sum(1 for byte in sample if byte >= 0x20 or byte in (9, 10, 13))
    return printable >= len(sample) * 0.95
