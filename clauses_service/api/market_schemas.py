"""Marshmallow schemas of the markets and companies surfaces, and their input checks.

Decimals are ``fields.Decimal(as_string=True)`` with plain callable validators (bounds
and decimal places, French messages); business ranges (fractions in ]0, 1], dates in
order, thresholds) are the domain's, which names the field at fault. Enums go out as
their stable English value plus a French ``*_label``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from events.catalog.companies import CompanyKind
from events.catalog.markets import LegalBasis
from events.catalog.sectors import Sector

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def no_control_characters(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("Caractères de contrôle ou invalides non acceptés.")


def text(maximum: int, **kwargs) -> fields.String:
    """A text field of at most ``maximum`` characters, without control characters."""
    return fields.String(validate=[validate.Length(max=maximum), no_control_characters], **kwargs)


def _french(value: Decimal) -> str:
    return f"{value:,f}".replace(",", "\u202f").replace(".", ",")


def bounded(maximum: str, places: int | None = None):
    """A validator: |value| ≤ maximum and, when given, at most ``places`` decimals."""
    limit = Decimal(maximum)

    def check(value: Decimal) -> None:
        if abs(value) > limit:
            raise ValidationError(f"Valeur trop grande : au plus {_french(limit)}.")
        exponent = value.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and exponent < -places:
            raise ValidationError(f"Au plus {places} décimales.")

    return check


def decimal(maximum: str, places: int | None = None, **kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, validate=bounded(maximum, places), **kwargs)


EURO_MAX = "100000000000"  # 100 billion euros
HOURS_MAX = "100000000"
MONTH_HOURS_MAX = "744"  # 31 days × 24 h
FRACTION = {"maximum": "1000", "places": 6}
VERSION = {"validate": validate.Range(min=0, max=1_000_000)}
MONTHS = {"validate": validate.Range(min=1, max=120)}


def label(attribute: str):
    """The French label of the enum found at ``attribute`` (None stays None)."""

    def get(obj):
        value = obj[attribute] if isinstance(obj, dict) else getattr(obj, attribute)
        return None if value is None else value.label

    return fields.Function(get, dump_only=True)


# ---- counting rules ---------------------------------------------------------------------
class CountingRulesSchema(Schema):
    """Counting rules of a market; absent fields take the defaults (DOMAIN.md)."""

    cdi_counted_months = fields.Integer(
        metadata={"description": "Mois d'un CDI pris en compte (défaut 12)."}, **MONTHS
    )
    eligibility_months = fields.Integer(
        metadata={"description": "Validité de l'éligibilité en mois (défaut 24)."}, **MONTHS
    )
    training_hours_count = fields.Boolean(
        metadata={"description": "Les heures de formation comptent (défaut oui)."}
    )
    warning_hours = decimal(
        MONTH_HOURS_MAX, metadata={"description": "Seuil d'alerte mensuel (défaut 151,67 h)."}
    )
    refusal_hours = decimal(
        MONTH_HOURS_MAX, metadata={"description": "Seuil de refus mensuel (défaut 200 h)."}
    )
    penalty_per_missing_hour = decimal(
        "1000000",
        allow_none=True,
        metadata={"description": "Pénalité en euros par heure manquante (facultative)."},
    )


class CountingRulesChange(CountingRulesSchema):
    expected_version = fields.Integer(**VERSION)


# ---- markets ----------------------------------------------------------------------------
class MarketListArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    search = text(200, load_default=None, metadata={"description": "Référence ou objet."})
    buyer_id = fields.UUID(load_default=None)
    kind = fields.Enum(Sector, by_value=True, load_default=None)


class MarketCreate(Schema):
    buyer_id = fields.UUID(required=True)
    reference = text(100, required=True)
    title = text(500, required=True)
    kind = fields.Enum(Sector, by_value=True, required=True)
    legal_basis = fields.Enum(
        LegalBasis,
        by_value=True,
        load_default=LegalBasis.L2112_2,
        metadata={"description": "Fondement juridique (défaut L2112-2)."},
    )
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    counting_rules = fields.Nested(CountingRulesSchema, load_default=None)


class MarketChange(Schema):
    title = text(500)
    start_date = fields.Date()
    end_date = fields.Date()
    expected_version = fields.Integer(**VERSION)


class LotAmendment(Schema):
    amended_on = fields.Date()
    reason = fields.String()
    previous_hours = fields.Decimal(as_string=True)
    required_hours = fields.Decimal(as_string=True)
    amount_excl_vat = fields.Decimal(as_string=True, allow_none=True)
    position = fields.Integer()


class LotSchema(Schema):
    lot_id = fields.String()
    market_id = fields.String()
    number = fields.String()
    title = fields.String()
    awarded_company_id = fields.String()
    awarded_company_name = fields.String(allow_none=True)
    awarded_siret = fields.String()
    amount_excl_vat = fields.Decimal(as_string=True)
    initial_amount_excl_vat = fields.Decimal(as_string=True)
    labour_share = fields.Decimal(as_string=True)
    insertion_rate = fields.Decimal(as_string=True)
    hourly_cost = fields.Decimal(as_string=True)
    computed_hours = fields.Decimal(as_string=True)
    manual_hours = fields.Decimal(as_string=True, allow_none=True)
    required_hours = fields.Decimal(as_string=True)
    amendments = fields.List(fields.Nested(LotAmendment))


class MarketSummary(Schema):
    market_id = fields.String()
    buyer_id = fields.String()
    buyer_name = fields.String(allow_none=True)
    reference = fields.String()
    title = fields.String()
    kind = fields.Enum(Sector, by_value=True)
    kind_label = label("kind")
    legal_basis = fields.Enum(LegalBasis, by_value=True)
    legal_basis_label = label("legal_basis")
    start_date = fields.Date()
    end_date = fields.Date()
    counting_rules = fields.Nested(CountingRulesSchema, attribute="rules")
    version = fields.Integer()
    lot_count = fields.Integer()
    required_hours = fields.Decimal(as_string=True)


class MarketDetail(MarketSummary):
    lots = fields.List(fields.Nested(LotSchema))


class MarketWriteResult(Schema):
    market_id = fields.String()
    version = fields.Integer()
    replayed = fields.Boolean()
    lot_id = fields.String()
    awarded_company_id = fields.String()
    computed_hours = fields.Decimal(as_string=True)
    required_hours = fields.Decimal(as_string=True)
    warnings = fields.List(fields.String())


# ---- lots -------------------------------------------------------------------------------
class LotCreate(Schema):
    number = text(50, required=True)
    title = text(300, load_default="")
    awarded_siret = text(40, required=True)
    amount_excl_vat = decimal(EURO_MAX, required=True, metadata={"description": "Montant HT."})
    labour_share = decimal(
        **FRACTION, required=True, metadata={"description": "Part de main-d'œuvre : 0.5 = 50 %."}
    )
    insertion_rate = decimal(
        **FRACTION, required=True, metadata={"description": "Taux d'insertion : 0.05 = 5 %."}
    )
    hourly_cost = decimal("100000", required=True, metadata={"description": "Coût horaire."})
    manual_hours = decimal(
        HOURS_MAX,
        allow_none=True,
        load_default=None,
        metadata={"description": "Heures fixées au marché ; l'emportent sur le calcul."},
    )
    expected_version = fields.Integer(**VERSION)


class AwardeeChange(Schema):
    awarded_siret = text(40, required=True)
    expected_version = fields.Integer(**VERSION)


class AmendmentCreate(Schema):
    amended_on = fields.Date(required=True)
    reason = text(500, required=True)
    required_hours = decimal(HOURS_MAX, required=True)
    amount_excl_vat = decimal(EURO_MAX, allow_none=True, load_default=None)
    expected_version = fields.Integer(**VERSION)


# ---- progress ---------------------------------------------------------------------------
class MarketProgressArgs(Schema):
    until_month = fields.Date(
        load_default=None, metadata={"description": "Dernier mois compté (AAAA-MM-JJ)."}
    )


class ProgressMonth(Schema):
    month = fields.Date()
    counted_hours = fields.Decimal(as_string=True)
    cumulative_hours = fields.Decimal(as_string=True)
    cumulative_rate = fields.Decimal(as_string=True, allow_none=True)


class LotProgressSummary(Schema):
    lot_id = fields.String()
    number = fields.String()
    title = fields.String()
    required_hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    achievement_rate = fields.Decimal(as_string=True, allow_none=True)
    remaining_hours = fields.Decimal(as_string=True)


class ProgressFigures(Schema):
    required_hours = fields.Decimal(as_string=True)
    counted_hours = fields.Decimal(as_string=True)
    achievement_rate = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "Taux de réalisation (%)."}
    )
    remaining_hours = fields.Decimal(as_string=True)
    months = fields.List(fields.Nested(ProgressMonth))


class LotProgress(ProgressFigures):
    lot_id = fields.String()
    market_id = fields.String()
    number = fields.String()
    title = fields.String()


class MarketProgress(ProgressFigures):
    market_id = fields.String()
    buyer_id = fields.String()
    reference = fields.String()
    title = fields.String()
    lots = fields.List(fields.Nested(LotProgressSummary))


# ---- companies --------------------------------------------------------------------------
class CompanyListArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    search = text(200, load_default=None, metadata={"description": "Nom ou début de SIRET."})
    kind = fields.Enum(CompanyKind, by_value=True, load_default=None)
    siret = text(40, load_default=None, metadata={"description": "Recherche par SIRET exact."})


class CompanySchema(Schema):
    company_id = fields.String()
    siret = fields.String()
    name = fields.String()
    kind = fields.Enum(CompanyKind, by_value=True)
    kind_label = label("kind")
    version = fields.Integer()


class CompanyCreate(Schema):
    siret = text(40, required=True)
    name = text(300, required=True)
    kind = fields.Enum(CompanyKind, by_value=True, required=True)


class CompanyChange(Schema):
    name = text(300)
    kind = fields.Enum(CompanyKind, by_value=True)
    expected_version = fields.Integer(**VERSION)


class CompanyWriteResult(Schema):
    company_id = fields.String()
    siret = fields.String()
    version = fields.Integer()
    replayed = fields.Boolean()


class CompanyLot(LotSchema):
    market_reference = fields.String()
    market_title = fields.String()
    market_kind = fields.Enum(Sector, by_value=True)
    market_kind_label = label("market_kind")
    buyer_id = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
