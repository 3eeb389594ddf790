"""French validation messages for marshmallow: every 422 names the field in French.

Applied once at import by ``clauses_service.api``: the defaults of the field classes
are replaced, so schemas need no per-field messages.
"""

from marshmallow import Schema, fields, validate

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

# Validators format their messages when built: set before any schema class is defined.
VALIDATOR_MESSAGES = {
    validate.Range: {
        "message_min": "Doit être {min_op} {{min}}.",
        "message_max": "Doit être {max_op} {{max}}.",
        "message_all": "Doit être {min_op} {{min}} et {max_op} {{max}}.",
        "message_gte": "supérieur ou égal à",
        "message_gt": "supérieur à",
        "message_lte": "inférieur ou égal à",
        "message_lt": "inférieur à",
    },
    validate.Length: {
        "message_min": "Trop court : au moins {min} caractère(s) ou élément(s).",
        "message_max": "Trop long : au plus {max} caractère(s) ou élément(s).",
        "message_all": "Longueur attendue entre {min} et {max}.",
        "message_equal": "Longueur attendue : {equal}.",
    },
    validate.OneOf: {"default_message": "Valeur inconnue ; valeurs possibles : {choices}."},
    validate.Regexp: {"default_message": "Format invalide."},
    validate.Email: {"default_message": "Adresse e-mail invalide."},
    validate.URL: {"default_message": "Adresse web invalide."},
}


def apply() -> None:
    for cls, messages in MESSAGES.items():
        cls.default_error_messages = {**cls.default_error_messages, **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
    for cls, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(cls, name, message)
