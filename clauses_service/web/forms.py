"""Web forms (Flask-WTF: CSRF token, French labels and messages, no JavaScript needed).

Dates are typed JJ/MM/AAAA (ISO 2025-03-15 is accepted too); hours with a comma or a
point. ``show_domain_error`` puts a named domain error next to the field it names.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from events.catalog.contracts import (
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
)
from events.catalog.people import (
    EligibilityCriterion,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def choices(cls, blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(member.value, member.label) for member in cls.offered()]
    return [SelectChoice("", blank), *options] if blank is not None else options


def parse_french_date(text: str) -> date | None:
    text = (text or "").strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class FrenchDateField(StringField):
    """A date typed JJ/MM/AAAA (shown that way; ISO accepted)."""

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "JJ/MM/AAAA", "inputmode": "numeric", "size": 10}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if isinstance(self.data, date):
            return self.data.strftime("%d/%m/%Y")
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        day = parse_french_date(text)
        if day is None:
            self.data = None
            raise ValueError(f"Date invalide « {text} » : saisir une date JJ/MM/AAAA.")
        self.data = day


class FrenchDecimalField(StringField):
    """A number typed with a comma or a point ("7,5", "1 234,50")."""

    def _value(self):
        if isinstance(self.data, Decimal):
            return f"{self.data}".replace(".", ",")
        return self.raw_data[0] if self.raw_data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        compact = "".join(ch for ch in text if ch not in " \u00a0\u202f").replace(",", ".")
        if not compact:
            self.data = None
            return
        try:
            self.data = Decimal(compact)
        except InvalidOperation:
            self.data = None
            raise ValueError(f"Nombre invalide « {text} » : par exemple 35 ou 7,5.") from None
        if not self.data.is_finite():
            self.data = None
            raise ValueError(f"Nombre invalide « {text} ».")


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (a fieldset with a legend in the templates)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # A value outside the choices is refused with a French message.
        known = {choice.value for choice in self.choices}
        for value in self.data or ():
            if value not in known:
                raise StopValidation(f"Choix inconnu « {value} ».")


def required(message: str):
    return DataRequired(message)


def typed(message: str):
    """Required, but keeps the parsing error ("Date invalide ...") when something was typed."""
    return InputRequired(message)


FRENCH = ("fr_FR", "fr")


class KeyedForm(FlaskForm):
    """A form with a one-time key, so that sending it twice acts once.

    WTForms' own messages ("Not a valid choice") come in French from its bundled
    translations (Flask-WTF's would need Flask-Babel).
    """

    class Meta:
        locales = FRENCH

        def get_translations(self, form):
            return DefaultMeta.get_translations(self, form)

    request_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.request_key.data:
            self.request_key.data = uuid.uuid4().hex

    @property
    def key(self) -> str | None:
        value = (self.request_key.data or "").strip()
        return value[:64] or None


def show_domain_error(form: FlaskForm, exc, aliases: dict[str, str] | None = None) -> None:
    """Put a domain error next to the field it names, else at the top of the form."""
    name = (aliases or {}).get(exc.field, exc.field)
    own_list = getattr(form, f"{name}_errors", None) if name else None
    if isinstance(own_list, list):  # e.g. the evidence rows, shown above their table
        own_list.append(exc.message)
        return
    field: Field | None = getattr(form, name, None) if name else None
    if isinstance(field, Field) and name not in ("csrf_token", "request_key"):
        field.errors = [*field.errors, exc.message] if field.errors else [exc.message]
    else:
        form.form_errors.append(exc.message)


# ---- people -------------------------------------------------------------------------------
class PersonForm(KeyedForm):
    last_name = StringField(
        "Nom", validators=[required("Le nom est obligatoire."), Length(max=100)]
    )
    first_name = StringField(
        "Prénom", validators=[required("Le prénom est obligatoire."), Length(max=100)]
    )
    birth_date = FrenchDateField(
        "Date de naissance", validators=[typed("La date de naissance est obligatoire.")]
    )
    sex = SelectField(
        "Sexe",
        choices=choices(Sex, "— choisir —"),
        validators=[required("Indiquer le sexe.")],
    )
    commune = StringField("Commune de résidence", validators=[Optional(), Length(max=200)])
    qpv = StringField(
        "Quartier prioritaire (QPV), s'il y a lieu", validators=[Optional(), Length(max=200)]
    )
    qualification = SelectField(
        "Niveau de qualification",
        choices=choices(QualificationLevel, "— non renseigné —"),
        default="",
    )
    rsa = BooleanField("Bénéficiaire du RSA")
    rqth = BooleanField("Reconnu travailleur handicapé (RQTH)")


class OrientationForm(KeyedForm):
    prescriber_name = StringField(
        "Prescripteur (structure et conseiller)",
        validators=[required("Le nom du prescripteur est obligatoire."), Length(max=200)],
    )
    prescriber_kind = SelectField(
        "Type de prescripteur",
        choices=choices(PrescriberKind, "— choisir —"),
        validators=[required("Choisir le type de prescripteur.")],
    )
    oriented_on = FrenchDateField(
        "Date d'orientation", validators=[typed("La date d'orientation est obligatoire.")]
    )
    sectors = CheckboxesField("Secteurs visés", choices=choices(Sector))


class EvidenceForm(Form):
    class Meta:
        locales = FRENCH

    criterion = SelectField(
        "Critère justifié", choices=choices(EligibilityCriterion, "—"), default=""
    )
    document = StringField("Justificatif", validators=[Optional(), Length(max=200)])
    dated = FrenchDateField("Daté du", validators=[Optional()])


EVIDENCE_ROWS = 3


class ValidationForm(KeyedForm):
    orientation_id = SelectField("Orientation concernée", choices=[], default="")
    sectors = CheckboxesField("Secteurs validés", choices=choices(Sector))
    criteria = CheckboxesField(
        "Critères d'éligibilité retenus", choices=choices(EligibilityCriterion)
    )
    evidence = FieldList(FormField(EvidenceForm), min_entries=EVIDENCE_ROWS, max_entries=10)
    validated_on = FrenchDateField(
        "Date de validation", validators=[typed("La date de validation est obligatoire.")]
    )
    valid_until = FrenchDateField(
        "Fin de validité (par défaut : 24 mois après la validation)", validators=[Optional()]
    )


class RefusalForm(KeyedForm):
    orientation_id = SelectField("Orientation concernée", choices=[], default="")
    sectors = CheckboxesField("Secteurs concernés", choices=choices(Sector))
    reason = SelectField(
        "Motif",
        choices=choices(RefusalReason, "— choisir —"),
        validators=[required("Choisir le motif du refus.")],
    )
    reason_text = TextAreaField("Précisions (obligatoires pour « Autre motif »)")
    refused_on = FrenchDateField(
        "Date du refus", validators=[typed("La date du refus est obligatoire.")]
    )


class ContractForm(KeyedForm):
    employer_siret = StringField(
        "SIRET de l'employeur",
        validators=[required("Le SIRET de l'employeur est obligatoire."), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    lot = SelectField(
        "Marché et lot", choices=[], validators=[required("Choisir le marché et le lot.")]
    )
    contract_type = SelectField(
        "Type de contrat",
        choices=choices(ContractType, "— choisir —"),
        validators=[required("Choisir le type de contrat.")],
    )
    modality = SelectField(
        "Modalité",
        choices=choices(Modality, "— choisir —"),
        validators=[required("Choisir la modalité.")],
    )
    user_siret = StringField(
        "SIRET de l'entreprise utilisatrice (mise à disposition)",
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    start_date = FrenchDateField(
        "Début du contrat", validators=[typed("La date de début est obligatoire.")]
    )
    planned_end = FrenchDateField("Fin prévue", validators=[Optional()])
    weekly_hours = FrenchDecimalField("Heures par semaine", validators=[Optional()])
    override = BooleanField("Enregistrer sans éligibilité valide (dérogation)")
    override_reason = TextAreaField("Motif de la dérogation", validators=[Length(max=500)])

    def validate_override_reason(self, field):
        if self.override.data and not (field.data or "").strip():
            raise StopValidation("Expliquer pourquoi le contrat est retenu sans éligibilité.")


# ---- follow-up: PLIE link, end of contract, exits -------------------------------------------
class PlieEntryForm(KeyedForm):
    referent = StringField(
        "Référent PLIE",
        validators=[required("Le nom du référent PLIE est obligatoire."), Length(max=200)],
    )
    entry_date = FrenchDateField(
        "Date d'entrée au PLIE", validators=[typed("La date d'entrée est obligatoire.")]
    )


class PlieExitForm(KeyedForm):
    exit_date = FrenchDateField(
        "Date de sortie du PLIE", validators=[typed("La date de sortie est obligatoire.")]
    )
    reason = StringField(
        "Motif de sortie",
        validators=[required("Le motif de sortie est obligatoire."), Length(max=200)],
    )


class ContractEndForm(KeyedForm):
    end_date = FrenchDateField(
        "Date de fin du contrat", validators=[typed("La date de fin est obligatoire.")]
    )
    reason = SelectField(
        "Motif de fin",
        choices=choices(ContractEndReason, "— choisir —"),
        validators=[required("Choisir le motif de fin.")],
        default="",
    )
    reason_text = TextAreaField(
        "Précisions (obligatoires pour « Autre »)", validators=[Length(max=500)]
    )


class ExitForm(KeyedForm):
    stage = SelectField(
        "Étape du suivi",
        choices=choices(ExitStage, "— choisir —"),
        validators=[required("Choisir l'étape du suivi.")],
        default="",
    )
    outcome = SelectField(
        "Situation de la personne",
        choices=choices(ExitOutcome, "— choisir —"),
        validators=[required("Choisir la situation constatée.")],
        default="",
    )
    observed_on = FrenchDateField(
        "Constatée le", validators=[typed("La date d'observation est obligatoire.")]
    )
    detail = TextAreaField("Précisions", validators=[Length(max=500)])
