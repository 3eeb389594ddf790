"""/api/v1/people: people (candidates, participants), their identity, duplicates, erasure.

The path (orientations, eligibility, PLIE links) is in ``clauses_service.api.candidates``.
Identity is personal data: buyers never read it (403), a company reads names and birth
date of the people of its contracts only, and once erased (RGPD) it reads as NULL
everywhere, history included, while the person's activity still counts.
"""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from clauses_service.api.common import (
    HistoryEntry,
    PageArgs,
    history,
    offset,
    page_schema,
    paged,
    run,
)
from clauses_service.api.people_common import (
    PersonDetailSchema,
    PersonRowSchema,
    PersonWriteResult,
    day,
    identity_only,
    present_person,
    present_row,
    readable_ids,
    text,
    today,
    version_field,
    visible_person,
)
from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from clauses_service.commands.people import (
    CorrectIdentity,
    ErasePersonalData,
    MergePeople,
    RegisterPerson,
)
from clauses_service.extensions import services
from clauses_service.identity import vault_for
from events.catalog.people import QualificationLevel, Sex
from projections import queries

blp = Blueprint("people", __name__, url_prefix="/people", description="Personnes")
READERS = (Role.FACILITATOR, Role.PLIE, Role.COMPANY)
ERASED = (
    "Les données personnelles de cette personne ont été effacées (RGPD) : son identité ne "
    "peut plus être corrigée. Enregistrer une nouvelle personne si besoin."
)
IDENTITY_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "commune",
    "qpv",
    "qualification",
    "rsa",
    "rqth",
)


class PeopleArgs(PageArgs):
    birth_date = day(load_default=None, metadata={"description": "Date de naissance."})
    pending = fields.Boolean(
        load_default=None,
        metadata={
            "description": "true : en attente de décision d'éligibilité ; false : les autres."
        },
    )
    plie_linked = fields.Boolean(
        load_default=None,
        metadata={"description": "true : accompagnées par le PLIE (lien en cours ou passé)."},
    )


class PersonIdentitySchema(Schema):
    last_name = text(100)
    first_name = text(100)
    birth_date = day(required=True)
    sex = fields.Enum(Sex, by_value=True, required=True)
    commune = text(200, required=False, load_default="")
    qpv = text(200, required=False, load_default=None, allow_none=True)
    qualification = fields.Enum(
        QualificationLevel, by_value=True, load_default=None, allow_none=True
    )
    rsa = fields.Boolean(load_default=False)
    rqth = fields.Boolean(load_default=False)


class PersonIdentityChangeSchema(Schema):
    """Only the fields given change; ``qpv`` or ``qualification`` null means none."""

    last_name = text(100, required=False)
    first_name = text(100, required=False)
    birth_date = day()
    sex = fields.Enum(Sex, by_value=True)
    commune = text(200, required=False)
    qpv = text(200, required=False, allow_none=True)
    qualification = fields.Enum(QualificationLevel, by_value=True, allow_none=True)
    rsa = fields.Boolean()
    rqth = fields.Boolean()
    expected_version = version_field()


class PersonMergeSchema(Schema):
    duplicate_id = fields.UUID(
        required=True, metadata={"description": "La fiche en double, fusionnée dans celle-ci."}
    )
    expected_version = version_field()


class PersonEraseSchema(Schema):
    expected_version = version_field()


class PersonDuplicateGroup(Schema):
    people = fields.List(fields.Nested(PersonRowSchema))


class PersonDetailArgs(Schema):
    on = day(
        load_default=None,
        metadata={"description": "Date de la situation d'éligibilité (aujourd'hui par défaut)."},
    )


PersonPage = page_schema(PersonRowSchema, "PersonPage")


def _ids_for(conn, args: dict) -> set[str] | None:
    """The scope of the current user narrowed by the ``pending`` / ``plie_linked`` filters."""
    ids = readable_ids(conn)
    for flag, matching in (
        ("pending", queries.pending_person_ids),
        ("plie_linked", queries.plie_participant_ids),
    ):
        if args[flag] is None:
            continue
        chosen = matching(conn)
        if not args[flag]:
            chosen = queries.listed_person_ids(conn) - chosen
        ids = chosen if ids is None else ids & chosen
    return ids


@blp.route("")
class People(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PeopleArgs, location="query")
    @blp.response(200, PersonPage)
    def get(self, args):
        """Rechercher des personnes (nom, prénom, date de naissance), page par page.

        Une entreprise ne voit que les personnes de ses contrats (identité seule) et ne
        peut pas filtrer sur le parcours ; l'équipe PLIE ne voit que ses participants.
        """
        if identity_only() and (args["pending"] is not None or args["plie_linked"] is not None):
            abort(403, message="Accès refusé : votre rôle ne permet pas ce filtre.")
        search = " ".join(
            part
            for part in (args["search"], args["birth_date"] and args["birth_date"].isoformat())
            if part
        )
        with services().store.reading() as conn:
            ids = _ids_for(conn, args)
            rows, total = queries.search_people(
                conn, search or None, args["page_size"], offset(args), ids
            )
            items = [present_row(row) for row in rows]
            if not identity_only():
                pending = queries.pending_person_ids(conn)
                linked = queries.plie_participant_ids(conn)
                for item in items:
                    item["pending_decision"] = item["person_id"] in pending
                    item["plie_linked"] = item["person_id"] in linked
        return paged(items, total, args)

    @roles_required(Role.FACILITATOR)
    @blp.arguments(PersonIdentitySchema)
    @blp.response(201, PersonWriteResult)
    def post(self, body):
        """Enregistrer une personne ; la réponse signale les doublons possibles."""
        return run(RegisterPerson(person_id=uuid.uuid4(), **body))


@blp.route("/duplicates")
class Duplicates(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, PersonDuplicateGroup(many=True))
    def get(self):
        """Doublons possibles : mêmes nom, prénom et date de naissance (accents ignorés)."""
        with services().store.reading() as conn:
            groups = queries.possible_duplicates(conn)
        return [{"people": [present_row(p) for p in group["people"]]} for group in groups]


@blp.route("/<uuid:person_id>")
class PersonItem(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PersonDetailArgs, location="query")
    @blp.response(200, PersonDetailSchema)
    def get(self, args, person_id):
        """Une personne : identité, orientations, validations et refus, liens PLIE,
        situation d'éligibilité. Une entreprise n'en lit que l'identité."""
        person = visible_person(person_id)
        return present_person(person, args["on"] or today())

    @roles_required(Role.FACILITATOR)
    @blp.arguments(PersonIdentityChangeSchema)
    @blp.response(200, PersonWriteResult)
    def patch(self, body, person_id):
        """Corriger l'identité (seuls les champs fournis changent)."""
        person = visible_person(person_id)
        if person["erased"]:
            abort(422, message=ERASED, errors={"person_id": [ERASED]})
        identity = {name: person[name] for name in IDENTITY_FIELDS}
        identity["sex"] = Sex(identity["sex"])
        if identity["qualification"] is not None:
            identity["qualification"] = QualificationLevel(identity["qualification"])
        identity.update({k: v for k, v in body.items() if k != "expected_version"})
        return run(
            CorrectIdentity(
                person_id=person_id, expected_version=body.get("expected_version"), **identity
            )
        )


@blp.route("/<uuid:person_id>/duplicates")
class PersonDuplicates(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, PersonRowSchema(many=True))
    def get(self, person_id):
        """Les autres fiches qui pourraient être la même personne."""
        person = visible_person(person_id)
        if person["erased"]:
            return []
        own = {person["person_id"], person["survivor_id"], *person["absorbed"]}
        with services().store.reading() as conn:
            found = queries.find_people(
                conn, person["last_name"], person["first_name"], person["birth_date"]
            )
        return [present_row(p) for p in found if p["person_id"] not in own]


@blp.route("/<uuid:person_id>/merge")
class PersonMerge(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(PersonMergeSchema)
    @blp.response(200, PersonWriteResult)
    def post(self, body, person_id):
        """Fusionner un doublon dans cette fiche, qui est conservée."""
        return run(
            MergePeople(
                keep_id=person_id,
                duplicate_id=body["duplicate_id"],
                expected_version=body.get("expected_version"),
            )
        )


@blp.route("/<uuid:person_id>/erase")
class PersonErase(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.arguments(PersonEraseSchema)
    @blp.response(200, PersonWriteResult)
    def post(self, body, person_id):
        """Effacer les données personnelles (RGPD) : l'identité devient illisible partout,
        les heures et le parcours restent comptés, anonymement."""
        return run(
            ErasePersonalData(person_id=person_id, expected_version=body.get("expected_version"))
        )


@blp.route("/<uuid:person_id>/history")
class PersonHistory(MethodView):
    @roles_required(Role.FACILITATOR)
    @blp.response(200, HistoryEntry(many=True))
    def get(self, person_id):
        """Historique de la fiche : qui a fait quoi, quand, depuis quelle source.

        L'identité y figure en clair tant qu'elle n'est pas effacée, jamais ensuite."""
        person = visible_person(person_id)
        return _readable_history(person["person_id"])


def _readable_history(person_id: str) -> list[dict]:
    """``history`` with each sealed identity opened (None once the key is destroyed)."""
    store = services().store
    vault = vault_for(store)
    entries = history(person_id)
    with store.reading() as conn:
        for entry in entries:
            data = entry["data"]
            if "sealed_identity" not in data:
                continue
            identity = vault.open(conn, person_id, data.pop("sealed_identity"))
            data["identity"] = None if identity is None else _identity_json(identity)
    return entries


def _identity_json(identity) -> dict:
    return {
        "last_name": identity.last_name,
        "first_name": identity.first_name,
        "birth_date": identity.birth_date.isoformat(),
        "sex": identity.sex.value,
        "commune": identity.commune,
        "qpv": identity.qpv,
        "qualification": identity.qualification.value if identity.qualification else None,
        "rsa": identity.rsa,
        "rqth": identity.rqth,
    }
