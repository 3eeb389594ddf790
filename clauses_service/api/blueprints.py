"""Every API blueprint. A new surface is one module plus one line here."""

from clauses_service.api import auth_tokens, buyers

BLUEPRINTS = [
    auth_tokens.blp,
    buyers.blp,
]
