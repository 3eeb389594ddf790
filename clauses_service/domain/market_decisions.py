"""Decisions on markets and lots: pure functions returning new events or raising a named error.

The state (``Market``, ``Lot``, ``computed_hours``, ``fold``) lives in ``domain.markets``.
Hours and euros are kept to the hundredth (half up); labour share and insertion rate are
fractions (0.5 for 50 %). Messages are French and name the field at fault.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from uuid import UUID

from clauses_service.domain.buyers import Buyer
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.domain.markets import HUNDREDTH, Lot, Market, computed_hours
from events.catalog.markets import (
    CountingRules,
    LegalBasis,
    LotAdded,
    LotAmended,
    LotAwardeeChanged,
    MarketCountingRulesChanged,
    MarketDetailsChanged,
    MarketRegistered,
)
from events.catalog.sectors import Sector

REFERENCE_MAX = 100  # the claim stream id "claim:market-reference:<key>" must fit 128
TITLE_MAX = 500
LOT_NUMBER_MAX = 50
LOT_TITLE_MAX = 300
REASON_MAX = 500
MONTHS_MAX = 120


# ---- small helpers -----------------------------------------------------------------------
def reference_key(reference: str) -> str:
    """The key that makes a market reference unique: trimmed, spaces collapsed, upper-cased."""
    return " ".join((reference or "").split()).upper()


def french_number(value: Decimal) -> str:
    return str(value).replace(".", ",")


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _text(value: str | None, field: str, label: str, maximum: int, required: bool) -> str:
    cleaned = " ".join((value or "").split())
    if required and not cleaned:
        raise RuleViolation(f"{label} est obligatoire.", field=field)
    if len(cleaned) > maximum:
        raise RuleViolation(f"{label} ne doit pas dépasser {maximum} caractères.", field=field)
    return cleaned


def _decimal(value, field: str, label: str) -> Decimal:
    """Decimal from a Decimal, int or text; a RuleViolation for anything else."""
    try:
        if isinstance(value, bool) or value is None:
            raise InvalidOperation
        number = (
            value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
        )
    except InvalidOperation:
        raise RuleViolation(
            f"{label} : un nombre est attendu, reçu « {value} ».", field=field
        ) from None
    if not number.is_finite():
        raise RuleViolation(f"{label} : un nombre fini est attendu.", field=field)
    return number


def _hundredths(value, field: str, label: str) -> Decimal:
    return _decimal(value, field, label).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def _fraction(value, field: str, label: str, example: str) -> Decimal:
    number = _decimal(value, field, label)
    if not Decimal(0) < number <= Decimal(1):
        raise RuleViolation(
            f"{label} est une fraction comprise entre 0 (exclu) et 1 : {example}. "
            f"Reçu : {french_number(number)}.",
            field=field,
        )
    return number


def _day(value, field: str, label: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RuleViolation(f"{label} est obligatoire (une date JJ/MM/AAAA).", field=field)
    return value


def _choice(cls, value, field: str, label: str):
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls.offered())
        raise RuleViolation(
            f"{label} inconnu : « {value} ». Valeurs possibles : {allowed}.", field=field
        ) from None


def _months(value, field: str, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MONTHS_MAX:
        raise RuleViolation(
            f"{label} doit être un nombre entier de mois entre 1 et {MONTHS_MAX} "
            f"(reçu « {value} »).",
            field=field,
        )
    return value


def _dates(start_date, end_date) -> tuple[date, date]:
    start = _day(start_date, "start_date", "La date de début")
    end = _day(end_date, "end_date", "La date de fin")
    if end < start:
        raise RuleViolation(
            f"La date de fin ({french_date(end)}) est antérieure à la date de début "
            f"({french_date(start)}).",
            field="end_date",
        )
    return start, end


def check_market(state: Market) -> Market:
    """The market itself, or NotFound when it was never registered."""
    if not state.exists:
        raise NotFound("Marché introuvable.", field="market_id")
    return state


# ---- counting rules ----------------------------------------------------------------------
def check_rules(rules: CountingRules | None) -> CountingRules:
    """Valid rules with hours and euros to the hundredth; ``None`` gives the defaults."""
    if rules is None:
        return CountingRules()
    cdi = _months(
        rules.cdi_counted_months,
        "cdi_counted_months",
        "La durée de prise en compte des heures en CDI",
    )
    eligibility = _months(
        rules.eligibility_months, "eligibility_months", "La durée de validité de l'éligibilité"
    )
    if not isinstance(rules.training_hours_count, bool):
        raise RuleViolation(
            "Indiquez si les heures de formation comptent (oui ou non).",
            field="training_hours_count",
        )
    warning = _hundredths(rules.warning_hours, "warning_hours", "Le seuil d'alerte mensuel")
    if warning <= 0:
        raise RuleViolation(
            "Le seuil d'alerte mensuel doit être supérieur à 0 heure.", field="warning_hours"
        )
    refusal = _hundredths(rules.refusal_hours, "refusal_hours", "Le seuil de refus mensuel")
    if refusal <= warning:
        raise RuleViolation(
            f"Le seuil de refus mensuel ({french_number(refusal)} h) doit être supérieur au "
            f"seuil d'alerte ({french_number(warning)} h).",
            field="refusal_hours",
        )
    penalty = rules.penalty_per_missing_hour
    if penalty is not None:
        penalty = _hundredths(
            penalty, "penalty_per_missing_hour", "La pénalité par heure manquante"
        )
        if penalty < 0:
            raise RuleViolation(
                "La pénalité par heure manquante ne peut pas être négative.",
                field="penalty_per_missing_hour",
            )
    return CountingRules(cdi, eligibility, rules.training_hours_count, warning, refusal, penalty)


# ---- markets -----------------------------------------------------------------------------
def register(
    state: Market,
    buyer: Buyer,
    market_id: UUID,
    reference: str,
    title: str,
    kind,
    legal_basis,
    start_date: date,
    end_date: date,
    rules: CountingRules | None = None,
) -> list:
    """Register a market of an existing buyer (reference uniqueness is the handler's claim)."""
    if state.exists:
        raise AlreadyExists("Ce marché est déjà enregistré.", field="market_id")
    if not buyer.exists:
        raise NotFound(
            "Donneur d'ordre introuvable : enregistrez-le avant de lui rattacher un marché.",
            field="buyer_id",
        )
    clean_reference = (reference or "").strip()
    if not clean_reference:
        raise RuleViolation("La référence du marché est obligatoire.", field="reference")
    if len(clean_reference) > REFERENCE_MAX:
        raise RuleViolation(
            f"La référence du marché ne doit pas dépasser {REFERENCE_MAX} caractères.",
            field="reference",
        )
    start, end = _dates(start_date, end_date)
    return [
        MarketRegistered(
            market_id,
            buyer.buyer_id,
            clean_reference,
            _text(title, "title", "L'objet du marché", TITLE_MAX, required=True),
            _choice(Sector, kind, "kind", "Type de marché"),
            _choice(LegalBasis, legal_basis, "legal_basis", "Fondement juridique"),
            start,
            end,
            check_rules(rules),
        )
    ]


def change_details(state: Market, title: str, start_date: date, end_date: date) -> list:
    """New title and dates; the start may not pass an amendment already dated."""
    check_market(state)
    cleaned = _text(title, "title", "L'objet du marché", TITLE_MAX, required=True)
    start, end = _dates(start_date, end_date)
    earliest = min((a.amended_on for lot in state.lots for a in lot.amendments), default=None)
    if earliest is not None and start > earliest:
        raise RuleViolation(
            f"Un avenant est daté du {french_date(earliest)} : le marché ne peut pas commencer "
            "après lui.",
            field="start_date",
        )
    if (cleaned, start, end) == (state.title, state.start_date, state.end_date):
        return []
    return [MarketDetailsChanged(state.market_id, cleaned, start, end)]


def change_rules(state: Market, rules: CountingRules) -> list:
    check_market(state)
    checked = check_rules(rules)
    return [] if checked == state.rules else [MarketCountingRulesChanged(state.market_id, checked)]


# ---- lots --------------------------------------------------------------------------------
def check_lot(state: Market, lot_id: UUID) -> Lot:
    """The lot ``lot_id`` of the market, or NotFound."""
    lot = check_market(state).lot(lot_id)
    if lot is None:
        raise NotFound("Lot introuvable dans ce marché.", field="lot_id")
    return lot


def add_lot(
    state: Market,
    lot_id: UUID,
    number: str,
    title: str,
    awarded_company_id: UUID,
    awarded_siret: str,
    amount_excl_vat,
    labour_share,
    insertion_rate,
    hourly_cost,
    manual_hours=None,
) -> list:
    """Add a lot and size its hours: amount × labour share × insertion rate ÷ hourly cost."""
    check_market(state)
    if state.lot(lot_id) is not None:
        raise AlreadyExists("Ce lot est déjà enregistré.", field="lot_id")
    clean_number = _text(number, "number", "Le numéro du lot", LOT_NUMBER_MAX, required=True)
    if state.lot_by_number(clean_number) is not None:
        raise AlreadyExists(
            f"Le lot « {clean_number} » existe déjà dans le marché {state.reference}.",
            field="number",
        )
    amount = _hundredths(amount_excl_vat, "amount_excl_vat", "Le montant HT du lot")
    if amount < 0:
        raise RuleViolation(
            "Le montant HT du lot ne peut pas être négatif.", field="amount_excl_vat"
        )
    share = _fraction(labour_share, "labour_share", "La part de main-d'œuvre", "0,5 pour 50 %")
    rate = _fraction(insertion_rate, "insertion_rate", "Le taux d'insertion", "0,05 pour 5 %")
    cost = _hundredths(hourly_cost, "hourly_cost", "Le coût horaire chargé")
    if cost <= 0:
        raise RuleViolation(
            "Le coût horaire chargé doit être supérieur à 0 €.", field="hourly_cost"
        )
    manual = None
    if manual_hours is not None:
        manual = _hundredths(manual_hours, "manual_hours", "Les heures fixées au marché")
        if manual < 0:
            raise RuleViolation(
                "Les heures fixées au marché ne peuvent pas être négatives.", field="manual_hours"
            )
    return [
        LotAdded(
            state.market_id,
            lot_id,
            clean_number,
            _text(title, "title", "L'intitulé du lot", LOT_TITLE_MAX, required=False),
            awarded_company_id,
            awarded_siret,
            amount,
            share,
            rate,
            cost,
            computed_hours(amount, share, rate, cost),
            manual,
        )
    ]


def change_lot_awardee(
    state: Market, lot_id: UUID, awarded_company_id: UUID, awarded_siret: str
) -> list:
    lot = check_lot(state, lot_id)
    if lot.awarded_company_id == awarded_company_id:
        return []
    return [LotAwardeeChanged(state.market_id, lot_id, awarded_company_id, awarded_siret)]


def amend_lot(
    state: Market,
    lot_id: UUID,
    amended_on: date,
    reason: str,
    required_hours,
    amount_excl_vat=None,
) -> list:
    """Record an amendment (avenant); the same amendment recorded twice is a no-op."""
    lot = check_lot(state, lot_id)
    day = _day(amended_on, "amended_on", "La date de l'avenant")
    if day < state.start_date:
        raise RuleViolation(
            f"L'avenant ne peut pas être daté du {french_date(day)} : le marché commence le "
            f"{french_date(state.start_date)}.",
            field="amended_on",
        )
    clean_reason = _text(reason, "reason", "Le motif de l'avenant", REASON_MAX, required=True)
    hours = _hundredths(required_hours, "required_hours", "Les heures d'insertion prévues")
    if hours < 0:
        raise RuleViolation(
            "Les heures d'insertion prévues ne peuvent pas être négatives.",
            field="required_hours",
        )
    amount = None
    if amount_excl_vat is not None:
        amount = _hundredths(amount_excl_vat, "amount_excl_vat", "Le montant HT du lot")
        if amount < 0:
            raise RuleViolation(
                "Le montant HT du lot ne peut pas être négatif.", field="amount_excl_vat"
            )
    event = LotAmended(state.market_id, lot_id, day, clean_reason, hours, amount)
    return [] if event in lot.amendments else [event]


def amendment_warnings(state: Market, amended_on: date) -> list[str]:
    """What to tell the facilitator about an accepted amendment (not refusals)."""
    if state.end_date is not None and amended_on > state.end_date:
        return [
            f"L'avenant est daté du {french_date(amended_on)}, après la fin du marché "
            f"({french_date(state.end_date)}) : pensez à prolonger le marché."
        ]
    return []
