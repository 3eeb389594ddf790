"""Checks of the XML inside XLSX and ODS containers, run before any parser.

calamine builds the rectangle spanning every cell that holds a value and
allocates it at once: one cell at XFD1048576 asks for 512 GiB and the process
aborts (SIGABRT, uncatchable). So the extent of each sheet is measured here
first, by streaming its XML:

- XLSX: the declared ``<dimension ref=…>`` and every ``r="…"`` reference are
  compared with the limits by regular expressions that only match references
  beyond them (C speed, no Python work per cell); rows are counted. Cells
  without a reference (allowed by the standard, written by no common program)
  make the sheet unsafe for calamine: the reader then uses openpyxl.
- ODS: an expat pass tracks the row and column of every cell holding a value,
  repetitions included (``number-rows-repeated``...).

Every XML part is also refused when it carries a DTD or entity declaration
(XXE, billion laughs), whatever the parser that would read it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.parsers import expat

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from importers.errors import FileRejected
from importers.limits import MB, Limits
from importers.zipguard import DAMAGED, iter_member, read_member

FORBIDDEN_XML = (
    "Le fichier contient des déclarations XML interdites (DTD ou entités) : "
    "enregistrez-le à nouveau depuis Excel ou LibreOffice puis déposez-le."
)
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_SMALL_PART = 8 * MB
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


# ------------------------------------------------------------ number patterns


def column_letters(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA, 16384 → XFD."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index


def _greater_than(limit: str, alphabet: str, first_nonzero: str, both_cases: bool) -> str:
    """Regex matching the strings of ``alphabet`` (no leading zero) that compare
    greater than ``limit`` as numbers of that base; letters in either case."""

    def span(low: str, high: str) -> str:
        lower = f"{low.lower()}-{high.lower()}" if both_cases else ""
        return f"[{low}-{high}{lower}]"

    def literal(text: str) -> str:
        return "".join(f"[{c}{c.lower()}]" if both_cases else c for c in text)

    top = alphabet[-1]
    any_char = span(alphabet[0], top)
    alternatives = [f"{span(first_nonzero, top)}{any_char}{{{len(limit)},}}"]
    for position, char in enumerate(limit):
        following = alphabet.index(char) + 1
        if following < len(alphabet):
            rest = len(limit) - position - 1
            alternatives.append(
                f"{literal(limit[:position])}{span(alphabet[following], top)}{any_char}{{{rest}}}"
            )
    return "(?:" + "|".join(alternatives) + ")"


def rows_greater_than(limit: int) -> str:
    return _greater_than(str(limit), "0123456789", "1", both_cases=False)


def columns_greater_than(limit: int) -> str:
    return _greater_than(column_letters(limit), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "A", both_cases=True)


# ---------------------------------------------------------------- XML parts


def _chunks_at_tags(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Re-cut a byte stream so that no chunk ends inside a tag: each chunk stops
    before the last ``<`` it holds, which starts the next one."""
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut <= 0:
            carry = buffer if cut == 0 else b""
            if cut < 0:
                yield buffer
            continue
        carry = buffer[cut:]
        yield buffer[:cut]
    if carry:
        yield carry


def scan_plain_part(data: bytes, info: zipfile.ZipInfo) -> None:
    """Whole member decompressed (sizes enforced); XML parts refused with a DTD."""
    is_xml = info.filename.endswith((".xml", ".rels"))
    for chunk in _chunks_at_tags(iter_member(data, info)):
        if is_xml and _DTD.search(chunk):
            raise FileRejected(FORBIDDEN_XML)


def parse_small_xml(data: bytes, info: zipfile.ZipInfo):  # -> xml.etree.ElementTree.Element
    """A small XML part parsed by defusedxml (no DTD, no entities)."""
    raw = read_member(data, info, _SMALL_PART)
    try:
        return SafeET.fromstring(raw)
    except DefusedXmlException:
        raise FileRejected(FORBIDDEN_XML) from None
    except SafeET.ParseError:
        raise FileRejected(DAMAGED) from None


# ---------------------------------------------------------------------- XLSX


@dataclass(frozen=True, slots=True)
class XlsxSheet:
    name: str
    part: str  # member path, e.g. xl/worksheets/sheet1.xml
    hidden: bool


@dataclass(frozen=True, slots=True)
class XlsxWorkbook:
    sheets: tuple[XlsxSheet, ...]
    date1904: bool


def _resolve(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = ["xl"]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


def read_xlsx_workbook(data: bytes, archive: zipfile.ZipFile) -> XlsxWorkbook:
    """Sheets (name, part, hidden) and the date system of ``xl/workbook.xml``."""
    workbook = parse_small_xml(data, archive.getinfo("xl/workbook.xml"))
    targets: dict[str, str] = {}
    try:
        rels_info = archive.getinfo("xl/_rels/workbook.xml.rels")
    except KeyError:
        raise FileRejected(DAMAGED) from None
    for rel in parse_small_xml(data, rels_info).iter(f"{{{_NS_PKG_REL}}}Relationship"):
        if rel.get("Type", "").endswith("/worksheet"):
            targets[rel.get("Id", "")] = _resolve(rel.get("Target", ""))
    sheets = []
    for sheet in workbook.iter(f"{{{_NS_MAIN}}}sheet"):
        part = targets.get(sheet.get(f"{{{_NS_REL}}}id", ""))
        if part is None:
            continue  # a chart sheet or a dialog sheet: no cells to read
        state = sheet.get("state", "visible")
        sheets.append(XlsxSheet(sheet.get("name", ""), part, state != "visible"))
    properties = workbook.find(f"{{{_NS_MAIN}}}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")
    return XlsxWorkbook(tuple(sheets), date1904)


def _too_many_rows(sheet: str, limits: Limits) -> FileRejected:
    return FileRejected(
        f"La feuille « {sheet} » va au-delà de la ligne {limits.max_sheet_rows} "
        f"(au plus {limits.max_rows} lignes de données) : supprimez les lignes inutiles "
        "en bas de la feuille ou découpez le relevé en plusieurs fichiers."
    )


def _too_many_columns(sheet: str, limits: Limits) -> FileRejected:
    return FileRejected(
        f"La feuille « {sheet} » contient des cellules au-delà de la colonne "
        f"{column_letters(limits.max_columns)} ({limits.max_columns} colonnes au plus) : "
        "supprimez les colonnes inutiles à droite du tableau puis déposez le fichier à nouveau."
    )


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\sref\s*=\s*[\"']([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?[\"']"
)
# Patterns are written for speed (a literal start lets the regex engine skip
# ahead): 64 MB of sheet XML is scanned in about 0.6 s. Anything unusual that
# they do not cover (namespace prefixes, spaces around "=", cells whose first
# attribute is not r) marks the sheet as not safe for calamine.
_CELL_WITHOUT_LEADING_REF = re.compile(rb"<c(?:[>/]|\s(?!r=))")
_PREFIXED = re.compile(rb":(?:c[\s>/]|row)")


@dataclass(frozen=True, slots=True)
class _XlsxPatterns:
    columns_beyond: re.Pattern[bytes]
    rows_beyond: re.Pattern[bytes]

    @classmethod
    def for_limits(cls, limits: Limits) -> _XlsxPatterns:
        rows = rows_greater_than(limits.max_sheet_rows)
        columns = columns_greater_than(limits.max_columns)
        return cls(
            re.compile(rf"r=[\"'](?:{columns})\d".encode()),
            re.compile(rf"r=[\"'][A-Za-z]{{0,3}}0*(?:{rows})[\"']".encode()),
        )


def _unusual(chunk: bytes) -> bool:
    # Every "=" of a plain sheet opens a quoted attribute value; text holding "="
    # only costs the faster reader, never safety.
    quoted = chunk.count(b'="') + chunk.count(b"='")
    return (
        chunk.count(b"=") != quoted
        or _CELL_WITHOUT_LEADING_REF.search(chunk) is not None
        or _PREFIXED.search(chunk) is not None
    )


def _check_dimension(head: bytes, sheet: str, limits: Limits) -> None:
    match = _DIMENSION.search(head)
    if not match:
        return
    first_col, first_row, last_col, last_row = (g.decode() if g else "" for g in match.groups())
    col = last_col or first_col
    row = last_row or first_row
    if col and column_index(col) > limits.max_columns:
        raise _too_many_columns(sheet, limits)
    if row and int(row) > limits.max_sheet_rows:
        raise _too_many_rows(sheet, limits)


def scan_xlsx_sheet(data: bytes, info: zipfile.ZipInfo, sheet: str, limits: Limits) -> bool:
    """Stream one worksheet part and reject it when it goes beyond the limits.

    Returns whether the sheet is safe for calamine: every cell carries an
    explicit reference in the plain form that the patterns check."""
    patterns = _XlsxPatterns.for_limits(limits)
    rows = 0
    plain = True
    first = True
    for chunk in _chunks_at_tags(iter_member(data, info)):
        if first:
            _check_dimension(chunk[: 64 * 1024], sheet, limits)
            first = False
        if _DTD.search(chunk):
            raise FileRejected(FORBIDDEN_XML)
        if patterns.columns_beyond.search(chunk):
            raise _too_many_columns(sheet, limits)
        if patterns.rows_beyond.search(chunk):
            raise _too_many_rows(sheet, limits)
        rows += chunk.count(b"<row")
        if rows > limits.max_sheet_rows + 1:  # + 1: <rowBreaks> starts the same way
            raise _too_many_rows(sheet, limits)
        if plain and _unusual(chunk):
            plain = False
    return plain


# ----------------------------------------------------------------------- ODS

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T_TABLE = f"{_TABLE} table"
_T_ROW = f"{_TABLE} table-row"
_T_CELLS = (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell")
_ROWS_REPEATED = f"{_TABLE} number-rows-repeated"
_COLUMNS_REPEATED = f"{_TABLE} number-columns-repeated"
_VALUE_TYPE = f"{_OFFICE} value-type"
_TABLE_NAME = f"{_TABLE} name"


class _ForbiddenXml(Exception):
    pass


class _OdsExtent:
    """Streaming measure of each table: last row and column holding a value."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.table = ""
        self.row = 0  # rows before the current one
        self.row_repeat = 1
        self.row_has_value = False
        self.column = 0
        self.cell_repeat = 1
        self.cell_has_value = False
        self.cell_depth = 0  # > 0 while inside a cell

    def _repeat(self, attrs: dict[str, str], name: str) -> int:
        try:
            return max(1, int(attrs.get(name, "1")))
        except ValueError:
            raise FileRejected(DAMAGED) from None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.cell_depth:
            self.cell_depth += 1
            self.cell_has_value = True  # any child (text:p...) is content
            return
        if name == _T_TABLE:
            self.table, self.row = attrs.get(_TABLE_NAME, ""), 0
        elif name == _T_ROW:
            self.row_repeat = self._repeat(attrs, _ROWS_REPEATED)
            self.column, self.row_has_value = 0, False
        elif name in _T_CELLS:
            self.cell_repeat = self._repeat(attrs, _COLUMNS_REPEATED)
            self.cell_has_value = _VALUE_TYPE in attrs
            self.cell_depth = 1

    def end(self, name: str) -> None:
        if self.cell_depth > 1:
            self.cell_depth -= 1
            return
        if self.cell_depth == 1:
            self.cell_depth = 0
            if self.cell_has_value:
                self.row_has_value = True
                if self.column + self.cell_repeat > self.limits.max_columns:
                    raise _too_many_columns(self.table, self.limits)
            self.column += self.cell_repeat
        elif name == _T_ROW:
            if self.row_has_value and self.row + self.row_repeat > self.limits.max_sheet_rows:
                raise _too_many_rows(self.table, self.limits)
            self.row += self.row_repeat


def _forbid(*_args) -> None:
    raise _ForbiddenXml


def _scan_ods_with_expat(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Exact measure whatever the namespace prefixes (about 25 s/GB)."""
    extent = _OdsExtent(limits)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = extent.start
    parser.EndElementHandler = extent.end
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        for chunk in iter_member(data, info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _ForbiddenXml:
        raise FileRejected(FORBIDDEN_XML) from None
    except expat.ExpatError:
        raise FileRejected(DAMAGED) from None


class _UnusualOds(Exception):
    """The fast scan met a structure it does not handle: use expat."""


_TABLE_NS = rb'"urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
_ODS_PREFIX_EVENT = re.compile(rb"<table:table\b(?!-)([^>]*)>|<table:table-row\b([^>]*?)(/?)>")
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
_TRAILING_EMPTY_CELL = re.compile(
    rb"<table:table-cell(?: table:style-name=\"[^\"]*\")? table:number-columns-repeated=\"\d+\"/>$"
)
_ROWS_REPEAT = re.compile(rb"number-rows-repeated\s*=\s*[\"'](\d+)[\"']")
_COLUMNS_REPEAT = re.compile(rb"number-columns-repeated\s*=\s*[\"'](\d+)[\"']")
_TABLE_NAME_ATTR = re.compile(rb"table:name\s*=\s*[\"']([^\"']*)[\"']")
_ROW_START = b"<table:table-row"
_ROW_END = b"</table:table-row>"


def _repeat_of(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    match = pattern.search(attributes)
    return max(1, int(match.group(1))) if match else 1


def _row_width(body: bytes) -> int:
    """Column just after the last cell holding something (conservative: a
    cell that is not self-closing counts as holding something)."""
    # LibreOffice ends most rows with one empty cell repeated up to column XFD.
    trailing = _TRAILING_EMPTY_CELL.search(body)
    if trailing:
        body = body[: trailing.start()]
    if b"repeated" not in body:
        return body.count(b"<table:table-cell") + body.count(b"<table:covered-table-cell")
    column = width = 0
    for match in _ODS_CELL.finditer(body):
        attributes, closed = match.groups()
        column += _repeat_of(_COLUMNS_REPEAT, attributes)
        if b"value-type" in attributes or not closed:
            width = column
    return width


class _FastOdsScan:
    """Regex measure for the plain ``table:`` prefix that LibreOffice and Excel
    write; anything else raises _UnusualOds (then expat does it)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.table = ""
        self.row = 0

    def prefix(self, text: bytes) -> None:
        """What comes before a row's start tag: table starts, empty rows."""
        for event in _ODS_PREFIX_EVENT.finditer(text):
            table_attributes, row_attributes, closed = event.groups()
            if table_attributes is not None:
                name = _TABLE_NAME_ATTR.search(table_attributes)
                self.table = name.group(1).decode("utf-8", "replace") if name else ""
                self.row = 0
            elif closed:
                self.row += _repeat_of(_ROWS_REPEAT, row_attributes)
            else:
                raise _UnusualOds  # a row inside a row: a table inside a cell

    def row_segment(self, segment: bytes) -> None:
        start = segment.rfind(_ROW_START)
        if start < 0:
            raise _UnusualOds
        if b"<table:table" in segment[:start]:
            self.prefix(segment[:start])
        tag_end = segment.find(b">", start)
        attributes, body = segment[start + len(_ROW_START) : tag_end], segment[tag_end + 1 :]
        repeat = _repeat_of(_ROWS_REPEAT, attributes)
        if b"value-type" in body or b"<text:" in body or b"/table:table-cell>" in body:
            if _row_width(body) > self.limits.max_columns:
                raise _too_many_columns(self.table, self.limits)
            if self.row + repeat > self.limits.max_sheet_rows:
                raise _too_many_rows(self.table, self.limits)
        self.row += repeat


def _scan_ods_fast(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> None:
    scan = _FastOdsScan(limits)
    carry = b""
    head_checked = False
    for chunk in iter_member(data, info):
        buffer = carry + chunk
        if not head_checked:
            body_at = buffer.find(b"<office:body")
            if body_at < 0:
                if len(buffer) > 4 * MB:
                    raise _UnusualOds
                carry = buffer
                continue
            root = buffer[:body_at]
            if root.count(_TABLE_NS) != 1 or b"xmlns:table=" + _TABLE_NS not in root:
                raise _UnusualOds
            head_checked = True
        if _DTD.search(buffer):
            raise FileRejected(FORBIDDEN_XML)
        segments = buffer.split(_ROW_END)
        carry = segments.pop()
        for segment in segments:
            scan.row_segment(segment)
    if not head_checked:
        raise _UnusualOds
    scan.prefix(carry)  # empty rows after the last full row, new tables


def scan_ods_content(data: bytes, info: zipfile.ZipInfo, limits: Limits) -> None:
    """Measure every table of ``content.xml`` (rows and columns holding values,
    repetitions included) and reject the file when one goes beyond the limits."""
    try:
        _scan_ods_fast(data, info, limits)
    except _UnusualOds:
        _scan_ods_with_expat(data, info, limits)
