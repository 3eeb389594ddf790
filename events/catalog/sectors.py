"""Shared domain lists used by several streams."""

from events.vocabulary import Choice


class Sector(Choice):
    """Market kinds, also the sectors a candidate is oriented to and validated for."""

    BTP = "BTP", "Travaux (BTP)"
    SERVICES = "SERVICES", "Services"
    PRESTATIONS_INTELLECTUELLES = "PRESTATIONS_INTELLECTUELLES", "Prestations intellectuelles"
