"""Forms of the facilitator's set-up pages: buyers, companies, markets, lots, amendments."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from clauses_service.web.forms import (
    FrenchDateField,
    FrenchDecimalField,
    KeyedForm,
    choices,
    required,
    typed,
)
from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.markets import LegalBasis
from events.catalog.sectors import Sector


def _emails(text: str | None) -> tuple[str, ...]:
    """Addresses typed one per line or separated by commas or semicolons."""
    raw = (text or "").replace(";", "\n").replace(",", "\n").split()
    return tuple(e for e in (x.strip() for x in raw) if e)


class BuyerForm(KeyedForm):
    name = StringField(
        "Nom du donneur d'ordre",
        validators=[required("Le nom est obligatoire."), Length(max=300)],
    )
    kind = SelectField(
        "Type", choices=choices(BuyerKind, "— choisir —"), validators=[required("Choisir le type.")]
    )
    contacts = TextAreaField(
        "Destinataires du rapport mensuel (e-mails)", validators=[Optional(), Length(max=5000)]
    )

    @property
    def emails(self) -> tuple[str, ...]:
        return _emails(self.contacts.data)


class ContactsForm(KeyedForm):
    contacts = TextAreaField(
        "Destinataires du rapport mensuel (e-mails)", validators=[Optional(), Length(max=5000)]
    )

    @property
    def emails(self) -> tuple[str, ...]:
        return _emails(self.contacts.data)


class CompanyForm(KeyedForm):
    name = StringField(
        "Raison sociale",
        validators=[required("La raison sociale est obligatoire."), Length(max=300)],
    )
    siret = StringField(
        "SIRET",
        validators=[required("Le SIRET est obligatoire."), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    kind = SelectField(
        "Type de structure",
        choices=choices(CompanyKind, "— choisir —"),
        validators=[required("Choisir le type de structure.")],
    )


class MarketForm(KeyedForm):
    buyer = SelectField(
        "Donneur d'ordre", choices=[], validators=[required("Choisir le donneur d'ordre.")]
    )
    reference = StringField(
        "Référence du marché",
        validators=[required("La référence est obligatoire."), Length(max=100)],
    )
    title = StringField(
        "Intitulé", validators=[required("L'intitulé est obligatoire."), Length(max=500)]
    )
    kind = SelectField(
        "Type de marché",
        choices=choices(Sector, "— choisir —"),
        validators=[required("Choisir le type de marché.")],
    )
    legal_basis = SelectField(
        "Fondement de la clause",
        choices=choices(LegalBasis, "— choisir —"),
        validators=[required("Choisir le fondement de la clause.")],
    )
    start_date = FrenchDateField(
        "Début d'exécution", validators=[typed("La date est obligatoire.")]
    )
    end_date = FrenchDateField("Fin d'exécution", validators=[typed("La date est obligatoire.")])


class LotForm(KeyedForm):
    number = StringField(
        "Numéro du lot", validators=[required("Le numéro est obligatoire."), Length(max=20)]
    )
    title = StringField("Intitulé du lot", validators=[Optional(), Length(max=500)])
    awarded_siret = StringField(
        "SIRET du titulaire",
        validators=[required("Le SIRET du titulaire est obligatoire."), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    amount_excl_vat = FrenchDecimalField(
        "Montant HT (€)", validators=[typed("Le montant est obligatoire.")]
    )
    labour_share = FrenchDecimalField(
        "Part de main-d'œuvre (%)", validators=[typed("La part de main-d'œuvre est obligatoire.")]
    )
    insertion_rate = FrenchDecimalField(
        "Taux d'insertion (%)", validators=[typed("Le taux d'insertion est obligatoire.")]
    )
    hourly_cost = FrenchDecimalField(
        "Coût horaire (€)", validators=[typed("Le coût horaire est obligatoire.")]
    )
    manual_hours = FrenchDecimalField(
        "Heures exigées (si fixées par le marché)", validators=[Optional()]
    )


class AmendmentForm(KeyedForm):
    amended_on = FrenchDateField(
        "Date de l'avenant", validators=[typed("La date est obligatoire.")]
    )
    required_hours = FrenchDecimalField(
        "Heures exigées après l'avenant", validators=[typed("Le nombre d'heures est obligatoire.")]
    )
    amount_excl_vat = FrenchDecimalField("Nouveau montant HT (€)", validators=[Optional()])
    reason = TextAreaField(
        "Motif de l'avenant", validators=[required("Le motif est obligatoire."), Length(max=500)]
    )
