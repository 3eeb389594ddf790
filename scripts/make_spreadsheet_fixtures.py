"""Regenerate the spreadsheet fixtures of tests/fixtures/spreadsheets/.

    python scripts/make_spreadsheet_fixtures.py [--out DIR]

The fixtures are committed: running the tests needs neither this script nor
LibreOffice. Regenerating needs:
- openpyxl (a project dependency);
- LibreOffice Calc from Debian (``apt-get install -y libreoffice-calc-nogui``),
  for the files *saved by LibreOffice* (``soffice --headless --convert-to``);
- msoffcrypto-tool from PyPI (``pip install msoffcrypto-tool``), only for the
  password-protected workbook.

Every workbook and CSV holds the same relevé (see ``ROWS``): the tests expect
the same parsed rows from each of them.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Border, Font, PatternFill, Side

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "spreadsheets"

TITLE = "Relevé mensuel des heures d'insertion — mars 2024"
HEADERS = [
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
    "Identifiant personne",  # hidden column of the pre-filled template
    "Total ligne",  # not a known column: reported as ignored
]
SIRET = "73282932000074"
PERSON_ID = "0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10"


class Serial(int):
    """A date typed as a number (1900 system); written as a General number."""


class Hhmm(timedelta):
    """A duration written with the ``[h]:mm`` format."""


# Rows as typed in the workbook, from sheet row 5 (the header is row 4). None
# is an empty row. Row 13 is a totals line; rows 14-30 are styled and empty.
ROWS: list[list | None] = [
    [
        SIRET,
        "M2023-001",
        1,
        "Dupont",
        "Jean",
        date(1985, 3, 15),
        "CDDI",
        date(2023, 1, 2),
        date(2024, 12, 31),
        date(2024, 3, 1),
        151.67,
        0,
        "RAS",
        None,
    ],
    [
        int(SIRET),
        "M2023-001",
        "2",
        "  Martin  ",
        "Hélène",
        Serial(31122),
        "CDD d'insertion",
        "02/01/2023",
        "31/12/24",
        "mars 2024",
        "7,5",
        "1,5",
        None,
        PERSON_ID,
    ],
    None,
    [
        "732 829 320 00074",
        "M2023-002",
        None,
        "Lefèvre",
        "Zoé",
        "1990-07-01",
        "intérim d'insertion",
        date(2024, 1, 15),
        None,
        "03/2024",
        Hhmm(hours=151, minutes=40),
        None,
        "Mission  longue",
        None,
    ],
    [
        SIRET,
        "M2023-002",
        None,
        "Nguyen",
        "Van   Anh",
        "01.02.1995",
        "Contrat pro",
        "15/01/2024",
        "14/01/2025",
        "Mars-24",
        "12,25",
        "3h30",
        None,
        None,
    ],
    [
        SIRET,
        "M2023-001",
        1,
        "Durand",
        "Paul",
        date(1979, 11, 30),
        "CDI",
        date(2020, 5, 4),
        None,
        "13/2024",
        "-3",
        None,
        None,
        None,
    ],
    [
        SIRET,
        "M2023-001",
        1,
        "Œillet",
        "Chloé",
        date(2001, 6, 9),
        "Stage",
        date(2024, 3, 1),
        date(2024, 3, 29),
        date(2024, 3, 1),
        0,
        None,
        None,
        None,
    ],
    [
        SIRET,
        "M2023-001",
        1,
        "DUPONT",
        "jean",
        date(1985, 3, 15),
        "CDDI",
        date(2023, 1, 2),
        date(2024, 12, 31),
        "2024-03",
        "8",
        None,
        "doublon",
        None,
    ],
    [None, None, None, "Total", None, None, None, None, None, None, 1000, None, None, None],
]
FIRST_DATA_ROW = 5
STYLED_EMPTY_UNTIL = 30


def _excel_serial(day: date, date1904: bool) -> int:
    return (day - (date(1904, 1, 1) if date1904 else date(1899, 12, 30))).days


def _text(value) -> str:
    """A cell as a French spreadsheet shows it, for the CSV files."""
    if value is None:
        return ""
    if isinstance(value, Serial):
        return f"{date(1899, 12, 30) + timedelta(days=int(value)):%d/%m/%Y}"
    if isinstance(value, Hhmm):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float):
        return str(value).replace(".", ",")
    return str(value)


def build_workbook(*, date1904: bool = False) -> Workbook:
    workbook = Workbook()
    help_sheet = workbook.active
    help_sheet.title = "Mode d'emploi"
    help_sheet.append(["Remplissez une ligne par personne et par mois dans la feuille « Heures »."])
    help_sheet.append(["Colonnes :"])
    for header in HEADERS[:13]:
        help_sheet.append([header])
    help_sheet.append(["Nom", "Prénom", "Mois", "Heures travaillées"])  # an example, not a header
    sheet = workbook.create_sheet("Heures")
    lists = workbook.create_sheet("Listes")
    lists.sheet_state = "hidden"
    for kind in ("CDDI", "CTTI", "CDI", "CDD", "Contrat pro", "Apprentissage"):
        lists.append([kind])
    if date1904:
        workbook.epoch = datetime(1904, 1, 1)

    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells("A1:M1")
    sheet["A2"] = "Entreprise : Bâtiment Dijon SAS"
    sheet.merge_cells("A2:F2")
    for column, header in enumerate(HEADERS, start=1):
        sheet.cell(row=4, column=column, value=header).font = Font(bold=True)
    sheet.column_dimensions["N"].hidden = True

    for offset, values in enumerate(ROWS):
        row = FIRST_DATA_ROW + offset
        if values is None:
            continue
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(value, Serial):
                day = date(1899, 12, 30) + timedelta(days=int(value))
                cell.value = _excel_serial(day, date1904)
                cell.number_format = "0"
            elif isinstance(value, Hhmm):
                cell.value = timedelta(seconds=value.total_seconds())
                cell.number_format = "[h]:mm"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "MMM-YY" if column == 10 else "DD/MM/YYYY"
            elif column == 1 and isinstance(value, int):
                cell.value = value
                cell.number_format = "0"
            else:
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # user text, never a formula
        if values[3] != "Total":
            sheet.cell(row=row, column=15, value=f"=K{row}*1")  # no cached value (openpyxl)
    border = Border(bottom=Side(style="thin"))
    fill = PatternFill("solid", fgColor="FFF2CC")
    last = FIRST_DATA_ROW + len(ROWS)
    for row in range(last, STYLED_EMPTY_UNTIL + 1):
        for column in range(1, 14):
            sheet.cell(row=row, column=column).border = border
            sheet.cell(row=row, column=column).fill = fill
    return workbook


def write_csv(path: Path, delimiter: str, encoding: str) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    width = len(HEADERS)
    writer.writerow([TITLE] + [""] * (width - 1))
    writer.writerow(["Entreprise : Bâtiment Dijon SAS"] + [""] * (width - 1))
    writer.writerow([""] * width)
    writer.writerow(HEADERS)
    for values in ROWS:
        if values is None:
            writer.writerow([""] * width)
            continue
        total = "" if values[3] == "Total" else _text(values[10])
        writer.writerow([_text(value) for value in values] + [total])
    path.write_bytes(buffer.getvalue().encode(encoding))


def soffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    """Open ``source`` in LibreOffice and save it as ``target_format``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice introuvable : apt-get install -y libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target_format,
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        produced = Path(tmp) / f"{source.stem}.{target_format.split(':')[0]}"
        target = out_dir / produced.name
        shutil.move(produced, target)
    return target


def formulas_workbook() -> Workbook:
    """Hours computed by formulas: only a file saved by a spreadsheet program
    carries their cached values (openpyxl writes none)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Relevé"
    sheet.append(HEADERS[:12])
    sheet.append(
        [
            SIRET,
            "M2023-001",
            1,
            "Dupont",
            "Jean",
            date(1985, 3, 15),
            "CDDI",
            date(2023, 1, 2),
            None,
            date(2024, 3, 1),
            "=7.5*20",
            "=ROUND(10/3,2)",
        ]
    )
    sheet.append(
        [
            SIRET,
            "M2023-001",
            1,
            "Martin",
            "Hélène",
            date(1985, 3, 16),
            "CDDI",
            date(2023, 1, 2),
            None,
            date(2024, 3, 1),
            "=SUM(1.25,2.5)",
            "=K3-K3",
        ]
    )
    for row in (2, 3):
        for column in ("F", "H", "J"):
            sheet[f"{column}{row}"].number_format = "DD/MM/YYYY"
    return workbook


def encrypt(plain: Path, target: Path, password: str = "secret") -> None:
    from msoffcrypto.format.ooxml import OOXMLFile  # regeneration only

    with plain.open("rb") as source, target.open("wb") as out:
        OOXMLFile(source).encrypt(password, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    build_workbook().save(out / "releve_openpyxl.xlsx")
    build_workbook(date1904=True).save(out / "releve_1904.xlsx")
    write_csv(out / "releve_pointvirgule_cp1252.csv", ";", "cp1252")
    write_csv(out / "releve_virgule_utf8bom.csv", ",", "utf-8-sig")

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "releve_libreoffice.xlsx"
        shutil.copy(out / "releve_openpyxl.xlsx", source)
        soffice_convert(source, "xlsx", out)
        soffice_convert(source, "ods", out)

        formulas = Path(tmp) / "formules_libreoffice.xlsx"
        formulas_workbook().save(formulas)
        soffice_convert(formulas, "xlsx", out)

        small = Path(tmp) / "ancien_format.xlsx"
        formulas_workbook().save(small)
        soffice_convert(small, "xls", out)

        plain = Path(tmp) / "plain.xlsx"
        formulas_workbook().save(plain)
        encrypt(plain, out / "protege_motdepasse.xlsx")

    (out / "pdf_renomme.xlsx").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    (out / "vide.xlsx").write_bytes(b"")
    for path in sorted(out.iterdir()):
        print(f"{path.name:40} {path.stat().st_size:>8} octets")


if __name__ == "__main__":
    main()
