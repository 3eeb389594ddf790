"""Events of the buyer stream (donneurs d'ordre)."""

from dataclasses import dataclass
from uuid import UUID

from events.registry import REGISTRY, event_type
from events.vocabulary import Choice

STREAM_TYPE = "buyer"


class BuyerKind(Choice):
    COLLECTIVITE = "COLLECTIVITE", "Collectivité"
    BAILLEUR_SOCIAL = "BAILLEUR_SOCIAL", "Bailleur social"
    ETAT = "ETAT", "État"
    HOPITAL = "HOPITAL", "Hôpital"
    AUTRE = "AUTRE", "Autre"


@event_type("BuyerRegistered", version=2)
@dataclass(frozen=True, slots=True)
class BuyerRegistered:
    buyer_id: UUID
    name: str
    kind: BuyerKind


@REGISTRY.upcaster("BuyerRegistered", from_version=1)
def _buyer_registered_v1_to_v2(payload: dict) -> dict:
    # Version 1 had no kind; buyers registered then are filed under "Autre"
    # until the facilitator says otherwise.
    payload.setdefault("kind", BuyerKind.AUTRE.value)
    return payload


@event_type("BuyerRenamed")
@dataclass(frozen=True, slots=True)
class BuyerRenamed:
    buyer_id: UUID
    name: str


@event_type("BuyerContactsSet")
@dataclass(frozen=True, slots=True)
class BuyerContactsSet:
    """The e-mail addresses that receive the buyer's reports (the whole list, replaced)."""

    buyer_id: UUID
    emails: tuple[str, ...]
