"""/api/v1/vocabularies: the domain lists (stable codes, French labels) forms and clients use.

Codes are what the API takes and returns (``"PLIE_REFERENT"``); labels are what people
read (« Référent PLIE »). A retired code stays listed (old records still carry it) with
``retired: true``: forms should not offer it any more.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from clauses_service.auth.roles import Role
from clauses_service.auth.security import roles_required
from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.contracts import (
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    Modality,
)
from events.catalog.markets import LegalBasis
from events.catalog.people import (
    EligibilityCriterion,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector
from projections.queries import EligibilityStatus

blp = Blueprint(
    "vocabularies",
    __name__,
    url_prefix="/vocabularies",
    description="Listes de valeurs : codes stables et libellés en français",
)
READERS = (Role.FACILITATOR, Role.COMPANY, Role.BUYER, Role.PLIE)

# name -> (list, what it is, in French). Names are part of the API: never rename one.
VOCABULARIES = {
    "sectors": (Sector, "Secteurs (types de marché, secteurs d'orientation et de validation)"),
    "sexes": (Sex, "Sexe"),
    "qualification_levels": (QualificationLevel, "Niveaux de qualification"),
    "prescriber_kinds": (PrescriberKind, "Types de prescripteur"),
    "eligibility_criteria": (EligibilityCriterion, "Critères d'éligibilité"),
    "refusal_reasons": (RefusalReason, "Motifs de refus d'éligibilité"),
    "eligibility_statuses": (EligibilityStatus, "Situations d'éligibilité"),
    "buyer_kinds": (BuyerKind, "Types de donneur d'ordre"),
    "company_kinds": (CompanyKind, "Types de structure (entreprise, ETTI, EI, GEIQ...)"),
    "legal_bases": (LegalBasis, "Fondements juridiques de la clause"),
    "contract_types": (ContractType, "Types de contrat"),
    "modalities": (Modality, "Modalités de mise en œuvre"),
    "contract_end_reasons": (ContractEndReason, "Motifs de fin de contrat"),
    "exit_stages": (ExitStage, "Moments d'observation des sorties"),
    "exit_outcomes": (ExitOutcome, "Suites de parcours (sorties)"),
}


class VocabularyEntry(Schema):
    code = fields.String()
    label = fields.String()
    retired = fields.Boolean()


class Vocabulary(Schema):
    name = fields.String()
    description = fields.String()
    values = fields.List(fields.Nested(VocabularyEntry))


def _vocabulary(name: str) -> dict:
    choices, description = VOCABULARIES[name]
    return {
        "name": name,
        "description": description,
        "values": [
            {"code": member.value, "label": member.label, "retired": member.retired}
            for member in choices
        ],
    }


@blp.route("")
class Vocabularies(MethodView):
    @roles_required(*READERS)
    @blp.response(200, Vocabulary(many=True))
    def get(self):
        """Toutes les listes de valeurs."""
        return [_vocabulary(name) for name in VOCABULARIES]


@blp.route("/<string(maxlength=60):name>")
class VocabularyItem(MethodView):
    @roles_required(*READERS)
    @blp.response(200, Vocabulary)
    def get(self, name):
        """Une liste de valeurs (ex. ``prescriber_kinds``)."""
        if name not in VOCABULARIES:
            abort(404, message=f"Liste de valeurs inconnue : « {name} ».")
        return _vocabulary(name)
