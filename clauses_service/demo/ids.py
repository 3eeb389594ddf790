"""Stable identifiers of the demo: uuid5 ids from one namespace, valid SIRETs.

Every id the demo mints is derived from a name, so that a second run builds the very same
commands (and finds them already done).
"""

from __future__ import annotations

import uuid

from stdnum import luhn
from stdnum.fr import siret as stdnum_siret

DEMO_NAMESPACE = uuid.UUID("0b6f1a52-6a43-4c5e-9d0e-2f0b7f6f3c11")


def demo_id(*parts: object) -> uuid.UUID:
    """The id of a demo thing named by ``parts`` (a buyer's name keeps its historic id)."""
    return uuid.uuid5(DEMO_NAMESPACE, ":".join(str(p) for p in parts))


def buyer_id(name: str) -> uuid.UUID:
    """Buyers are named by their name alone (ids of the first demo, kept for old databases)."""
    return uuid.uuid5(DEMO_NAMESPACE, name)


def siret(siren_body: str, establishment: str = "0001") -> str:
    """A valid SIRET: 8 digits + SIREN Luhn key, 4 digits of establishment + SIRET Luhn key
    (checked again by python-stdnum)."""
    if len(siren_body) != 8 or len(establishment) != 4:
        raise ValueError("8 digits of SIREN and 4 of establishment are expected")
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + establishment
    number = body + luhn.calc_check_digit(body)
    return stdnum_siret.validate(number)
