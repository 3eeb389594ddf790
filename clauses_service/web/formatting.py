"""French display filters for the pages: dates dd/mm/yyyy, hours "1 234,56", percentages.

Thousands are separated by a narrow no-break space (U+202F) and the unit by a no-break
space (U+00A0), so that "1 234,56 h" never wraps in a table cell.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import Flask

from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.contracts import ContractEndReason, ContractType, ExitOutcome, Modality
from events.catalog.markets import LegalBasis
from events.catalog.people import (
    EligibilityCriterion,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
PARIS = ZoneInfo("Europe/Paris")
MONTHS = (
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
SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number_fr(value, places: int = 2) -> str:
    """1234.5 -> "1 234,50" (narrow no-break space between thousands)."""
    number = _decimal(value)
    if number is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    text = f"{number.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def hours_fr(value, unit: bool = True) -> str:
    """Decimal("1234.5") -> "1 234,50 h"."""
    text = number_fr(value)
    return f"{text}{NBSP}h" if unit and text != "—" else text


def percent_fr(value, places: int = 1) -> str:
    """A percentage (85.456) -> "85,5 %"; None -> "—"."""
    text = number_fr(value, places)
    return f"{text}{NBSP}%" if text != "—" else text


def date_fr(value) -> str:
    """A date or datetime -> "15/03/2025" (datetimes in Paris time); None -> ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(PARIS)
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def datetime_fr(value) -> str:
    """A datetime -> "15/03/2025 à 14:05" (Paris time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(PARIS)
        return value.strftime("%d/%m/%Y à %H:%M")
    return date_fr(value)


def month_fr(value, short: bool = False) -> str:
    """The month of a date -> "mars 2025" (or "mars 25" when ``short``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if short:
        return f"{SHORT_MONTHS[value.month - 1]} {value.year % 100:02d}"
    return f"{MONTHS[value.month - 1]} {value.year}"


def label_fr(value) -> str:
    """The French label of a ``Choice`` member (or the value itself)."""
    if value is None:
        return ""
    return getattr(value, "label", str(value))


def yes_no(value) -> str:
    return "oui" if value else "non"


def labeller(cls):
    """A filter giving the French label of a stored value of ``cls`` (a ``Choice``)."""

    def label(value) -> str:
        if value is None or value == "":
            return ""
        try:
            return cls(getattr(value, "value", value)).label
        except ValueError:
            return str(value)

    return label


LABELS = {
    "sector_label": Sector,
    "criterion_label": EligibilityCriterion,
    "prescriber_label": PrescriberKind,
    "refusal_label": RefusalReason,
    "sex_label": Sex,
    "qualification_label": QualificationLevel,
    "contract_type_label": ContractType,
    "modality_label": Modality,
    "end_reason_label": ContractEndReason,
    "exit_label": ExitOutcome,
    "company_kind_label": CompanyKind,
    "buyer_kind_label": BuyerKind,
    "legal_basis_label": LegalBasis,
}

FILTERS = {
    "number_fr": number_fr,
    "hours_fr": hours_fr,
    "percent_fr": percent_fr,
    "date_fr": date_fr,
    "datetime_fr": datetime_fr,
    "month_fr": month_fr,
    "label_fr": label_fr,
    "yes_no": yes_no,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.filters.update({name: labeller(cls) for name, cls in LABELS.items()})
