"""/api/v1/auth/tokens: a program trades an account's credentials for an API token."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from clauses_service.auth import accounts
from clauses_service.extensions import services

blp = Blueprint("auth_tokens", __name__, url_prefix="/auth", description="Jetons d'accès")


class Credentials(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=500))
    name = fields.String(load_default="api", validate=validate.Length(min=1, max=100))


class TokenSchema(Schema):
    token = fields.String()
    role = fields.String()


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(Credentials)
    @blp.response(201, TokenSchema)
    @blp.doc(security=[])
    def post(self, body):
        """Obtenir un jeton (à envoyer ensuite dans « Authorization: Bearer … »)."""
        with services().engine.begin() as conn:
            user = accounts.authenticate(conn, body["email"], body["password"])
            if user is None:
                abort(401, message="Identifiants incorrects ou compte désactivé.")
            token = accounts.issue_token(conn, user.user_id, body["name"])
        return {"token": token, "role": user.role.value}
