"""French validation messages for marshmallow: every 422 names the field in French.

Applied once at import by ``clauses_service.api``: the defaults of the field classes
are replaced, so schemas need no per-field messages.
"""

from marshmallow import Schema, fields

MESSAGES = {
    fields.Field: {
        "required": "Champ obligatoire.",
        "null": "Ce champ ne peut pas être vide.",
        "validator_failed": "Valeur invalide.",
    },
    fields.String: {"invalid": "Texte attendu.", "invalid_utf8": "Texte UTF-8 invalide."},
    fields.Integer: {"invalid": "Nombre entier attendu.", "too_large": "Nombre trop grand."},
    fields.Number: {"invalid": "Nombre attendu.", "too_large": "Nombre trop grand."},
    fields.Decimal: {
        "invalid": "Nombre décimal attendu (ex. 151.67).",
        "special": "Les valeurs NaN et infinies ne sont pas acceptées.",
        "too_large": "Nombre trop grand.",
    },
    fields.Boolean: {"invalid": "Valeur vrai/faux attendue (true ou false)."},
    fields.Date: {
        "invalid": "Date invalide : format AAAA-MM-JJ attendu.",
        "format": "Date invalide : format AAAA-MM-JJ attendu.",
    },
    fields.DateTime: {
        "invalid": "Horodatage invalide : format ISO 8601 attendu.",
        "invalid_awareness": "Horodatage invalide : précisez le fuseau horaire.",
        "format": "Horodatage invalide : format ISO 8601 attendu.",
    },
    fields.UUID: {"invalid_uuid": "Identifiant invalide : UUID attendu."},
    fields.Email: {"invalid": "Adresse e-mail invalide."},
    fields.List: {"invalid": "Liste attendue."},
    fields.Dict: {"invalid": "Objet attendu."},
    fields.Nested: {"type": "Objet attendu."},
    fields.Enum: {"unknown": "Valeur inconnue ; valeurs possibles : {choices}."},
}

SCHEMA_MESSAGES = {"type": "Objet JSON attendu.", "unknown": "Champ inconnu."}


def apply() -> None:
    for cls, messages in MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
