"""Forms of a contract's monthly hours, and of merging or erasing a person."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from clauses_service.web.forms import KeyedForm, required, typed
from importers.cells import clean_hours, clean_month
from importers.errors import CellError


class _CellField(StringField):
    """Text read the way a timesheet cell is read (same formats, same French messages)."""

    cleaner = staticmethod(lambda text, label: text)

    def _value(self):
        return self.raw_data[0] if self.raw_data else (self.default_text or "")

    default_text = ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = type(self).cleaner(text, self.label.text)
            except CellError as exc:
                raise ValueError(str(exc)) from None


class MonthField(_CellField):
    """A month: ``03/2026``, ``2026-03``, ``mars 2026``..."""

    cleaner = staticmethod(clean_month)

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, render_kw={"placeholder": "MM/AAAA"}, **kwargs)


class HoursField(_CellField):
    """Hours: ``7,5``, ``7h30``, ``1 234,50``."""

    cleaner = staticmethod(clean_hours)

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, render_kw={"inputmode": "decimal"}, **kwargs)


class RecordHoursForm(KeyedForm):
    month = MonthField("Mois", validators=[typed("Le mois est obligatoire.")])
    hours = HoursField("Heures travaillées", validators=[typed("Les heures sont obligatoires.")])
    training_hours = HoursField("Dont heures de formation", validators=[Optional()])


class CorrectHoursForm(KeyedForm):
    hours = HoursField("Heures travaillées", validators=[typed("Les heures sont obligatoires.")])
    training_hours = HoursField("Dont heures de formation", validators=[Optional()])
    reason = TextAreaField(
        "Motif de la correction",
        validators=[required("Le motif est obligatoire."), Length(max=500)],
    )


class WithdrawHoursForm(KeyedForm):
    reason = TextAreaField(
        "Motif du retrait", validators=[required("Le motif est obligatoire."), Length(max=500)]
    )


class MergeForm(KeyedForm):
    duplicate = SelectField(
        "Fiche en doublon à fusionner dans celle-ci",
        choices=[],
        validators=[required("Choisir la fiche en doublon.")],
    )
    confirm = BooleanField(
        "Je confirme : la fiche en doublon disparaît, son historique est rattaché à celle-ci."
    )


class EraseForm(KeyedForm):
    confirm = BooleanField(
        "Je confirme l'effacement des données personnelles (irréversible ; les heures restent "
        "comptées, sans identité)."
    )
