"""The monthly-hours template a company downloads, fills in and uploads back.

    blank_template()                                   # XLSX bytes, no rows
    prefilled_template(conn, company_id, month)        # one row per running contract

Sheet « Relevé »: two title lines, then the header row (``HEADER_ROW``) with the
template's French headers (``importers.headers.COLUMNS``, same order), then the
rows. The pre-filled template adds the hidden column « Identifiant personne »
so that people are matched exactly. Hours are left empty. Dropdowns (data
validation) offer the contract types and the months around the chosen one
(lists on the hidden, protected sheet « Listes »). Sheet « Mode d'emploi »
explains every column; it is protected against accidental edits (no password).

Every text written comes from the read models or from this module and goes
through ``importers.safe_cells``: it can never become a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Connection

from events.catalog.contracts import ContractType
from importers.headers import COLUMNS
from importers.safe_cells import write_text, write_value
from projections import queries

SHEET = "Relevé"
HELP_SHEET = "Mode d'emploi"
LISTS_SHEET = "Listes"
HEADER_ROW = 4
FIRST_ROW = HEADER_ROW + 1
# Rows below the pre-filled ones that still get the dropdowns (people added by hand).
SPARE_ROWS = 500
MONTHS_BEFORE, MONTHS_AFTER = 12, 3
ERASED_PERSON = "Personne effacée"

TEMPLATE_COLUMNS: tuple[str, ...] = tuple(name for name in COLUMNS if name != "person_id")
PREFILLED_COLUMNS: tuple[str, ...] = (*TEMPLATE_COLUMNS, "person_id")

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

DATE_FORMAT = "DD/MM/YYYY"
HOURS_FORMAT = "0.00"
TEXT_FORMAT = "@"


@dataclass(frozen=True, slots=True)
class _Layout:
    kind: str  # text, date, month, hours, contract
    width: float
    required: str
    what: str
    formats: str


LAYOUT: dict[str, _Layout] = {
    "employer_siret": _Layout(
        "text",
        17,
        "Oui",
        "Le SIRET (14 chiffres) de l'établissement qui emploie la personne.",
        "73282932000074 ou 732 829 320 00074 (espaces acceptés). Mettez la colonne au "
        "format Texte pour garder les zéros du début.",
    ),
    "market_reference": _Layout(
        "text",
        18,
        "Oui",
        "La référence du marché public, telle qu'elle figure sur l'acte d'engagement.",
        "2024-BTP-01 (majuscules, minuscules et espaces indifférents).",
    ),
    "lot": _Layout(
        "text",
        8,
        "Si le marché a plusieurs lots",
        "Le numéro du lot attribué à votre entreprise.",
        "1, 02 ou « Lot 2 ».",
    ),
    "last_name": _Layout(
        "text",
        18,
        "Oui (sauf ligne pré-remplie avec son identifiant)",
        "Le nom de famille de la personne en parcours d'insertion.",
        "Dupont, DUPONT ou Dupont-Martin (accents et majuscules indifférents).",
    ),
    "first_name": _Layout(
        "text",
        16,
        "Oui (sauf ligne pré-remplie avec son identifiant)",
        "Le prénom de la personne.",
        "Léa ou LEA.",
    ),
    "birth_date": _Layout(
        "date",
        13,
        "Oui (sauf ligne pré-remplie avec son identifiant)",
        "La date de naissance : avec le nom et le prénom, elle permet de reconnaître la personne.",
        "15/03/1990, 15/03/90, 1990-03-15 ou 15 mars 1990.",
    ),
    "contract_type": _Layout(
        "contract",
        28,
        "Non (repris du contrat enregistré)",
        "Le type de contrat de travail ; choisissez-le dans la liste déroulante.",
        "CDDI, CTTI, CDI, CDD, contrat de professionnalisation, contrat d'apprentissage, "
        "contrat d'usage (association intermédiaire), autre.",
    ),
    "contract_start": _Layout(
        "date",
        13,
        "Non",
        "La date de début du contrat.",
        "02/01/2024 ou 2024-01-02.",
    ),
    "contract_end": _Layout(
        "date",
        13,
        "Non",
        "La date de fin du contrat (fin prévue s'il est en cours ; vide pour un CDI).",
        "31/12/2024 ou 2024-12-31.",
    ),
    "month": _Layout(
        "month",
        10,
        "Oui",
        "Le mois pendant lequel les heures ont été travaillées ; choisissez-le dans la "
        "liste déroulante. Une ligne par personne et par mois.",
        "03/2024, 2024-03, mars 2024 ou mars-24.",
    ),
    "hours": _Layout(
        "hours",
        12,
        "Oui",
        "Le nombre d'heures travaillées dans le mois, formation comprise. Écrivez 0 si la "
        "personne n'a pas travaillé ce mois-ci.",
        "151,67, 151.67, 7h30 (7 heures 30 minutes), 1 234,50.",
    ),
    "training_hours": _Layout(
        "hours",
        12,
        "Non",
        "Parmi les heures travaillées, celles passées en formation (elles ne peuvent pas "
        "dépasser les heures travaillées).",
        "14, 3,5 ou 3h30 ; laissez vide s'il n'y en a pas.",
    ),
    "comment": _Layout(
        "text",
        30,
        "Non",
        "Toute précision utile pour la facilitatrice ou le facilitateur (absence, arrêt, "
        "fin anticipée...).",
        "Texte libre.",
    ),
    "person_id": _Layout(
        "text",
        38,
        "Ne pas modifier",
        "Colonne masquée du modèle pré-rempli : elle identifie la personne. Laissez-la vide "
        "pour une personne ajoutée à la main (elle est alors reconnue par nom, prénom et "
        "date de naissance).",
        "Rempli automatiquement.",
    ),
}

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # hours to fill in
_TITLE_FONT = Font(bold=True, size=14)
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


# ---- public API -----------------------------------------------------------------------
def blank_template(month: date | None = None) -> bytes:
    """The template without rows; the month dropdown lists the months around
    ``month`` (this month by default)."""
    chosen = first_of_month(month or date.today())
    title = "Relevé mensuel des heures d'insertion"
    subtitle = (
        "Une ligne par personne et par mois ; remplissez les colonnes puis déposez ce "
        "fichier sur le portail. Aide : feuille « Mode d'emploi »."
    )
    return _workbook_bytes(TEMPLATE_COLUMNS, [], chosen, title, subtitle)


def prefilled_template(conn: Connection, company_id, month: date) -> bytes:
    """The template of ``company_id`` for ``month``: one row per contract where the
    company is the employer or the user company and that runs during the month (it
    starts before the month ends and neither its end nor its planned end precedes the
    month). Hours are left empty. Raises LookupError for an unknown company."""
    company = queries.get_company(conn, company_id)
    if company is None:
        raise LookupError(f"Entreprise inconnue : {company_id}")
    chosen = first_of_month(month)
    rows = template_rows(conn, company_id, chosen)
    title = f"Relevé mensuel des heures d'insertion — {company['name']}"
    plural = "s" if len(rows) > 1 else ""
    subtitle = (
        f"Mois : {month_label(chosen)} · SIRET {company['siret']} · {len(rows)} contrat{plural} "
        f"en cours. Remplissez la colonne « {COLUMNS['hours'].label} » puis déposez ce "
        "fichier sur le portail. Aide : feuille « Mode d'emploi »."
    )
    return _workbook_bytes(PREFILLED_COLUMNS, rows, chosen, title, subtitle)


def template_rows(conn: Connection, company_id, month: date) -> list[dict[str, Any]]:
    """The values of the pre-filled rows (canonical column name -> value), sorted by
    market reference, lot, name."""
    month = first_of_month(month)
    contracts = [c for c in _company_contracts(conn, company_id) if runs_during(c, month)]
    survivors = {c["person_id"]: queries.survivor_of(conn, c["person_id"]) for c in contracts}
    wanted = sorted({pid for pid in survivors.values() if pid})
    found, _ = queries.search_people(conn, person_ids=wanted, limit=max(1, len(wanted)))
    people = {person["person_id"]: person for person in found}
    lots = _lots_by_id(conn, {c["market_id"] for c in contracts})
    rows = []
    for contract in contracts:
        person_id = survivors.get(contract["person_id"]) or contract["person_id"]
        person = people.get(person_id)
        reference, lot_number = lots.get(contract["lot_id"], (None, None))
        erased = person is None or person["erased"] or person["last_name"] is None
        rows.append(
            {
                "employer_siret": contract["employer_siret"],
                "market_reference": reference,
                "lot": lot_number,
                "last_name": ERASED_PERSON if erased else person["last_name"],
                "first_name": None if erased else person["first_name"],
                "birth_date": None if erased else person["birth_date"],
                "contract_type": contract_type_label(contract["contract_type"]),
                "contract_start": contract["start_date"],
                "contract_end": contract["end_date"] or contract["planned_end"],
                "month": month_text(month),
                "hours": None,
                "training_hours": None,
                "comment": None,
                "person_id": person_id,
            }
        )
    rows.sort(
        key=lambda r: (
            (r["market_reference"] or "").casefold(),
            r["lot"] or "",
            (r["last_name"] or "").casefold(),
            (r["first_name"] or "").casefold(),
            r["person_id"],
        )
    )
    return rows


# ---- helpers shared with tests and other exports --------------------------------------
def first_of_month(day: date) -> date:
    if isinstance(day, datetime):
        day = day.date()
    return day.replace(day=1)


def last_of_month(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_text(month: date) -> str:
    """``03/2024``: how the template writes a month (``cells.clean_month`` reads it)."""
    return f"{month.month:02d}/{month.year}"


def month_label(month: date) -> str:
    return f"{MONTHS_FR[month.month - 1]} {month.year}"


def month_choices(month: date) -> list[str]:
    """The months of the dropdown: MONTHS_BEFORE before ``month`` to MONTHS_AFTER after."""
    start = first_of_month(month)
    return [month_text(add_months(start, n)) for n in range(-MONTHS_BEFORE, MONTHS_AFTER + 1)]


def contract_type_label(value: str | None) -> str | None:
    """The French label of a stored contract type (``cells.clean_contract_type``
    reads every label back to its value)."""
    if value is None:
        return None
    try:
        return ContractType(value).label
    except ValueError:
        return value


def contract_type_choices() -> list[str]:
    return [member.label for member in ContractType.offered()]


def runs_during(contract: dict, month: date) -> bool:
    """The contract shares at least one day with ``month`` (the rule hours follow)."""
    month = first_of_month(month)
    if contract["start_date"] > last_of_month(month):
        return False
    end = contract["end_date"] or contract["planned_end"]
    return end is None or end >= month


# ---- reads ----------------------------------------------------------------------------
_PAGE = 500


def _company_contracts(conn: Connection, company_id) -> Iterable[dict]:
    offset = 0
    while True:
        page = queries.list_contracts(conn, company_ids=[company_id], limit=_PAGE, offset=offset)
        yield from page
        if len(page) < _PAGE:
            return
        offset += _PAGE


def _lots_by_id(conn: Connection, market_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """lot id -> (market reference, lot number) for the given markets."""
    found: dict[str, tuple[str, str]] = {}
    for market_id in sorted(market_ids):
        market = queries.get_market(conn, market_id)
        if market is None:
            continue
        for lot in market["lots"]:
            found[lot["lot_id"]] = (market["reference"], lot["number"])
    return found


# ---- writing --------------------------------------------------------------------------
def _workbook_bytes(
    columns: Sequence[str], rows: list[dict[str, Any]], month: date, title: str, subtitle: str
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    lists = _write_lists(workbook.create_sheet(LISTS_SHEET), month)
    _write_help(workbook.create_sheet(HELP_SHEET, 1), columns)
    _write_form(sheet, columns, rows, title, subtitle, lists)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_form(
    sheet: Worksheet,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    title: str,
    subtitle: str,
    lists: dict[str, str],
) -> None:
    last_letter = get_column_letter(len(columns))
    write_text(sheet.cell(1, 1), title).font = _TITLE_FONT
    write_text(sheet.cell(2, 1), subtitle).alignment = Alignment(wrap_text=True)
    sheet.merge_cells(f"A1:{last_letter}1")
    sheet.merge_cells(f"A2:{last_letter}2")
    sheet.row_dimensions[2].height = 30
    for index, name in enumerate(columns, start=1):
        cell = write_text(sheet.cell(HEADER_ROW, index), COLUMNS[name].label)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        letter = get_column_letter(index)
        layout = LAYOUT[name]
        dimension = sheet.column_dimensions[letter]
        dimension.width = layout.width
        dimension.number_format = _number_format(layout.kind)
        if name == "person_id":
            dimension.hidden = True
    sheet.row_dimensions[HEADER_ROW].height = 32
    for offset, values in enumerate(rows):
        row_number = FIRST_ROW + offset
        for index, name in enumerate(columns, start=1):
            cell = write_value(sheet.cell(row_number, index), values.get(name))
            kind = LAYOUT[name].kind
            cell.number_format = _number_format(kind)
            cell.border = _BORDER
            if name == "hours":
                cell.fill = _INPUT_FILL
    last_row = FIRST_ROW + len(rows) + SPARE_ROWS - 1
    for name, source, prompt, style in (
        (
            "contract_type",
            lists["contract_type"],
            "Choisissez le type de contrat dans la liste.",
            "stop",
        ),
        (
            "month",
            lists["month"],
            "Choisissez le mois dans la liste, ou écrivez-le sous la forme 03/2024.",
            "warning",
        ),
    ):
        if name not in columns:
            continue
        letter = get_column_letter(columns.index(name) + 1)
        validation = DataValidation(
            type="list",
            formula1=source,
            allow_blank=True,
            showDropDown=False,  # False shows the arrow (the attribute's name is misleading)
            showInputMessage=True,
            showErrorMessage=True,
            errorStyle=style,
            promptTitle=COLUMNS[name].label,
            prompt=prompt,
            errorTitle=COLUMNS[name].label,
            error=f"Valeur hors liste. {prompt}",
        )
        validation.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.sheet_view.zoomScale = 100


def _number_format(kind: str) -> str:
    if kind == "date":
        return DATE_FORMAT
    if kind == "hours":
        return HOURS_FORMAT
    return TEXT_FORMAT


def _write_lists(sheet: Worksheet, month: date) -> dict[str, str]:
    """The dropdown values, in a hidden protected sheet; returns the list ranges."""
    sheet.sheet_state = "hidden"
    ranges = {}
    for column, (name, header, values) in enumerate(
        (
            ("contract_type", COLUMNS["contract_type"].label, contract_type_choices()),
            ("month", COLUMNS["month"].label, month_choices(month)),
        ),
        start=1,
    ):
        letter = get_column_letter(column)
        write_text(sheet.cell(1, column), header).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            write_text(sheet.cell(row, column), value).number_format = TEXT_FORMAT
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
        sheet.column_dimensions[letter].width = 45
    sheet.protection.sheet = True
    return ranges


HELP_INTRO = (
    "Ce classeur sert à déclarer, chaque mois, les heures travaillées par les personnes en "
    "parcours d'insertion sur les marchés publics avec clause sociale.",
    "1. Remplissez la feuille « Relevé » : une ligne par personne et par mois. Les contrats "
    "déjà enregistrés sont pré-remplis : indiquez seulement les heures.",
    "2. Pour une personne absente de la liste, ajoutez une ligne sous les autres avec son "
    "nom, son prénom et sa date de naissance.",
    "3. Enregistrez le fichier (.xlsx, .ods ou .csv) et déposez-le sur le portail. Vous "
    "voyez aussitôt les lignes acceptées et celles à corriger.",
    "4. Déposer à nouveau le même fichier ne change rien ; un fichier corrigé enregistre "
    "les corrections. Ne modifiez ni le nom ni l'ordre des colonnes.",
)


def _write_help(sheet: Worksheet, columns: Sequence[str]) -> None:
    write_text(sheet.cell(1, 1), "Mode d'emploi du relevé mensuel des heures").font = _TITLE_FONT
    row = 3
    for line in HELP_INTRO:
        write_text(sheet.cell(row, 1), line).alignment = Alignment(wrap_text=True)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = 32
        row += 1
    row += 1
    for index, text in enumerate(
        ("Colonne", "Obligatoire", "Que faut-il écrire ?", "Formats acceptés"), start=1
    ):
        cell = write_text(sheet.cell(row, index), text)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _BORDER
    for name in columns:
        row += 1
        layout = LAYOUT[name]
        for index, text in enumerate(
            (COLUMNS[name].label, layout.required, layout.what, layout.formats), start=1
        ):
            cell = write_text(sheet.cell(row, index), text)
            cell.alignment, cell.border = _WRAP, _BORDER
        sheet.cell(row, 1).font = Font(bold=True)
        sheet.row_dimensions[row].height = 45
    for letter, width in zip("ABCD", (26, 22, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.protection.sheet = True
