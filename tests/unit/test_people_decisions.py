"""People decisions: given events, when a decision, then events or a French error + field."""

import uuid
from datetime import date

import pytest

from clauses_service.domain import people
from clauses_service.domain import people_decisions as decide
from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from events.catalog.people import (
    CandidateOriented,
    CandidateRefused,
    CandidateValidated,
    EligibilityCriterion,
    Evidence,
    Identity,
    PersonAbsorbed,
    PersonalDataErased,
    PersonIdentityCorrected,
    PersonMerged,
    PersonRegistered,
    PlieLinkEnded,
    PlieLinkStarted,
    PrescriberKind,
    QualificationLevel,
    RefusalReason,
    Sex,
)
from events.catalog.sectors import Sector

TODAY = date(2024, 6, 15)
PERSON, OTHER = uuid.uuid4(), uuid.uuid4()
ORIENTATION, VALIDATION, REFUSAL, LINK = (uuid.uuid4() for _ in range(4))
REGISTERED = PersonRegistered(PERSON, "sealed-1")
ORIENTED = CandidateOriented(
    PERSON, ORIENTATION, "Mission locale Dijon", PrescriberKind.MISSION_LOCALE,
    date(2024, 3, 1), (Sector.BTP,),
)  # fmt: skip
BTP = (Sector.BTP,)
BRSA = EligibilityCriterion.BRSA
QPV = EligibilityCriterion.QPV


def seal(identity: Identity) -> str:
    return f"sealed:{identity.last_name}"


def refused_with(error_type, field: str, *fragments: str):
    """Context manager: the error type, its field, and words of its French message."""

    class Check:
        def __enter__(self):
            self.raises = pytest.raises(error_type)
            self.info = self.raises.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.raises.__exit__(*exc)
            assert self.info.value.field == field, self.info.value.message
            for fragment in fragments:
                assert fragment in self.info.value.message
            return handled

    return Check()


def identity(**overrides):
    values = dict(
        last_name="  Dupont-Martin ",
        first_name="Élodie   Anne",
        birth_date=date(1990, 3, 15),
        sex="F",
        today=TODAY,
    )
    return decide.check_identity(**{**values, **overrides})


# ---- identity -------------------------------------------------------------------------
def test_identity_is_cleaned_and_typed():
    checked = identity(commune=" Dijon ", qpv=" Dijon – Grésilles ", qualification="NIVEAU_4")
    assert checked == Identity(
        "Dupont-Martin", "Élodie Anne", date(1990, 3, 15), Sex.FEMME, "Dijon",
        "Dijon – Grésilles", QualificationLevel.NIVEAU_4,
    )  # fmt: skip
    assert identity(qpv="   ").qpv is None


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"last_name": "  "}, "last_name", "Le nom est obligatoire"),
        ({"first_name": ""}, "first_name", "Le prénom est obligatoire"),
        ({"last_name": "X" * 101}, "last_name", "100 caractères"),
        ({"first_name": "Y" * 101}, "first_name", "100 caractères"),
        ({"birth_date": None}, "birth_date", "date de naissance est obligatoire"),
        ({"birth_date": date(2009, 6, 16)}, "birth_date", "entre 15 et 80 ans"),
        ({"birth_date": date(1943, 6, 14)}, "birth_date", "elle aurait 81 ans"),
        ({"birth_date": date(2030, 1, 1)}, "birth_date", "entre 15 et 80 ans"),
        ({"sex": "X"}, "sex", "Sexe invalide"),
        ({"qualification": "BAC"}, "qualification", "Niveau de qualification invalide"),
        ({"rsa": "oui"}, "rsa", "répondre oui ou non"),
        ({"rqth": None}, "rqth", "répondre oui ou non"),
        ({"commune": "C" * 201}, "commune", "200 caractères"),
    ],
)
def test_identity_errors_name_the_field(overrides, field, fragment):
    with refused_with(RuleViolation, field, fragment):
        identity(**overrides)


def test_age_limits_are_inclusive():
    assert identity(birth_date=date(2009, 6, 15)).birth_date == date(2009, 6, 15)  # 15 today
    assert identity(birth_date=date(1943, 6, 16)).birth_date == date(
        1943, 6, 16
    )  # 80 until tomorrow
    assert decide.age_on(date(2000, 2, 29), date(2024, 2, 28)) == 23


def test_given_nothing_when_register_then_registered_with_sealed_identity():
    assert decide.register(people.fold([]), PERSON, identity(), seal) == [
        PersonRegistered(PERSON, "sealed:Dupont-Martin")
    ]


def test_given_registered_when_register_again_then_already_exists_without_sealing():
    sealed = []
    with refused_with(AlreadyExists, "person_id", "déjà enregistrée"):
        decide.register(people.fold([REGISTERED]), PERSON, identity(), sealed.append)
    assert sealed == []


def test_when_correct_then_resealed_and_unchanged_is_a_no_op():
    state = people.fold([REGISTERED])
    new = identity(last_name="Dupont")
    assert decide.correct_identity(state, new, identity(), seal) == [
        PersonIdentityCorrected(PERSON, "sealed:Dupont")
    ]
    assert decide.correct_identity(state, identity(), identity(), seal) == []
    corrected = people.fold([REGISTERED, PersonIdentityCorrected(PERSON, "sealed-2")])
    assert corrected.sealed_identity == "sealed-2" and corrected.version == 2


def test_correct_unknown_person_is_not_found():
    with refused_with(NotFound, "person_id", "Personne introuvable"):
        decide.correct_identity(people.fold([]), identity(), None, seal)


def test_given_erased_when_correct_then_refused():
    state = people.fold([REGISTERED, PersonalDataErased(PERSON, TODAY)])
    assert state.erased and state.sealed_identity is None
    with refused_with(RuleViolation, "person_id", "effacées", "ne peut plus être corrigée"):
        decide.correct_identity(state, identity(), None, seal)


# ---- erasure and merge ----------------------------------------------------------------
def test_when_erase_then_erased_today_and_twice_is_a_no_op():
    state = people.fold([REGISTERED])
    assert decide.erase(state, [], TODAY) == {PERSON: [PersonalDataErased(PERSON, TODAY)]}
    erased = people.fold([REGISTERED, PersonalDataErased(PERSON, TODAY)])
    assert decide.erase(erased, [], TODAY) == {}


def test_erasing_a_survivor_erases_everyone_merged_into_it():
    survivor = people.fold([REGISTERED, PersonAbsorbed(PERSON, OTHER)])
    duplicate = people.fold([PersonRegistered(OTHER, "s"), PersonMerged(OTHER, PERSON)])
    assert decide.erase(survivor, [duplicate], TODAY) == {
        PERSON: [PersonalDataErased(PERSON, TODAY)],
        OTHER: [PersonalDataErased(OTHER, TODAY)],
    }


def test_erase_unknown_person_is_not_found():
    with refused_with(NotFound, "person_id"):
        decide.erase(people.fold([]), [], TODAY)


def test_when_merge_then_merged_on_duplicate_and_absorbed_on_survivor():
    keep = people.fold([REGISTERED])
    duplicate = people.fold([PersonRegistered(OTHER, "s")])
    assert decide.merge(keep, duplicate) == (
        [PersonMerged(OTHER, PERSON)],
        [PersonAbsorbed(PERSON, OTHER)],
    )
    merged = people.fold([PersonRegistered(OTHER, "s"), PersonMerged(OTHER, PERSON)])
    assert merged.merged_into == PERSON
    assert people.fold([REGISTERED, PersonAbsorbed(PERSON, OTHER)]).absorbed == (OTHER,)


def test_merge_refusals():
    keep = people.fold([REGISTERED])
    duplicate = people.fold([PersonRegistered(OTHER, "s")])
    with refused_with(NotFound, "keep_id", "conserver introuvable"):
        decide.merge(people.fold([]), duplicate)
    with refused_with(NotFound, "duplicate_id", "Doublon introuvable"):
        decide.merge(keep, people.fold([]))
    with refused_with(RuleViolation, "duplicate_id", "elle-même"):
        decide.merge(keep, keep)
    third = uuid.uuid4()
    merged = people.fold([PersonRegistered(OTHER, "s"), PersonMerged(OTHER, third)])
    with refused_with(RuleViolation, "duplicate_id", f"fusionnée avec {third}"):
        decide.merge(keep, merged)
    with refused_with(RuleViolation, "keep_id", f"fusionnée avec {third}"):
        decide.merge(merged, keep)
    erased = people.fold([PersonRegistered(OTHER, "s"), PersonalDataErased(OTHER, TODAY)])
    with refused_with(RuleViolation, "duplicate_id", "effacées", "fusion impossible"):
        decide.merge(keep, erased)


MERGED = people.fold([REGISTERED, PersonMerged(PERSON, OTHER)])


@pytest.mark.parametrize(
    "decision",
    [
        lambda s: decide.correct_identity(s, identity(), None, seal),
        lambda s: decide.erase(s, [], TODAY),
        lambda s: decide.orient(s, uuid.uuid4(), "FT", "FRANCE_TRAVAIL", TODAY, BTP, TODAY),
        lambda s: decide.validate(s, uuid.uuid4(), None, BTP, (BRSA,), (), TODAY, None, TODAY),
        lambda s: decide.refuse(s, uuid.uuid4(), None, BTP, "PROFIL_INADAPTE", None, TODAY, TODAY),
        lambda s: decide.start_plie_link(s, uuid.uuid4(), TODAY, "Mme Roy", TODAY),
        lambda s: decide.end_plie_link(s, uuid.uuid4(), TODAY, "Emploi", TODAY),
    ],
)
def test_every_decision_on_a_merged_person_names_the_survivor(decision):
    with refused_with(RuleViolation, "person_id", f"fusionnée avec {OTHER}"):
        decision(MERGED)


# ---- orientation ----------------------------------------------------------------------
def orient(state=None, **overrides):
    values = dict(
        orientation_id=ORIENTATION,
        prescriber_name=" Mission  locale Dijon ",
        prescriber_kind="MISSION_LOCALE",
        oriented_on=date(2024, 3, 1),
        sectors=("BTP",),
        today=TODAY,
    )
    return decide.orient(state or people.fold([REGISTERED]), **{**values, **overrides})


def test_when_orient_then_oriented_with_clean_prescriber():
    assert orient() == [ORIENTED]
    state = people.fold([REGISTERED, ORIENTED])
    assert state.orientations == (ORIENTED,)


@pytest.mark.parametrize(
    ("overrides", "error", "field", "fragment"),
    [
        ({"sectors": ()}, RuleViolation, "sectors", "au moins un secteur"),
        ({"sectors": ("BTP", "BTP")}, RuleViolation, "sectors", "indiqué deux fois"),
        ({"sectors": ("PEINTURE",)}, RuleViolation, "sectors", "Secteur invalide"),
        ({"oriented_on": date(2024, 6, 16)}, RuleViolation, "oriented_on", "dans le futur"),
        ({"oriented_on": None}, RuleViolation, "oriented_on", "obligatoire"),
        ({"prescriber_name": " "}, RuleViolation, "prescriber_name", "prescripteur est oblig"),
        ({"prescriber_kind": "POLE"}, RuleViolation, "prescriber_kind", "Type de prescripteur"),
    ],
)
def test_orientation_errors(overrides, error, field, fragment):
    with refused_with(error, field, fragment):
        orient(**overrides)


def test_orient_unknown_person_or_same_orientation_twice():
    with refused_with(NotFound, "person_id"):
        orient(people.fold([]))
    with refused_with(AlreadyExists, "orientation_id", "déjà enregistrée"):
        orient(people.fold([REGISTERED, ORIENTED]))


def test_a_refused_candidate_can_be_oriented_again():
    refused = CandidateRefused(
        PERSON, REFUSAL, ORIENTATION, BTP, RefusalReason.ABSENCES_RDV, None, date(2024, 3, 10)
    )
    state = people.fold([REGISTERED, ORIENTED, refused])
    again = orient(state, orientation_id=uuid.uuid4(), oriented_on=date(2024, 5, 1))
    assert again[0].oriented_on == date(2024, 5, 1)


def test_an_erased_person_can_still_be_oriented():
    state = people.fold([REGISTERED, PersonalDataErased(PERSON, TODAY)])
    assert len(orient(state)) == 1


# ---- validation -----------------------------------------------------------------------
def validate(state=None, **overrides):
    values = dict(
        validation_id=VALIDATION,
        orientation_id=ORIENTATION,
        sectors=("BTP", "SERVICES"),
        criteria=("BRSA", "QPV"),
        evidence=(Evidence(BRSA, "Attestation CAF", date(2024, 5, 2)),),
        validated_on=date(2024, 6, 1),
        valid_until=None,
        today=TODAY,
    )
    return decide.validate(state or people.fold([REGISTERED, ORIENTED]), **{**values, **overrides})


def test_when_validate_then_validated_for_24_months_by_default():
    events, warnings = validate()
    assert events == [
        CandidateValidated(
            PERSON, VALIDATION, ORIENTATION, (Sector.BTP, Sector.SERVICES), (BRSA, QPV),
            (Evidence(BRSA, "Attestation CAF", date(2024, 5, 2)),),
            date(2024, 6, 1), date(2026, 6, 1),
        )
    ]  # fmt: skip
    assert warnings == []
    state = people.fold([REGISTERED, ORIENTED, *events])
    assert state.eligibility_on(date(2026, 6, 1), Sector.SERVICES) == events[0]
    assert state.eligibility_on(date(2026, 6, 2), Sector.SERVICES) is None


def test_validation_without_orientation_and_with_explicit_end():
    events, _ = validate(orientation_id=None, valid_until=date(2025, 1, 1), evidence=())
    assert events[0].orientation_id is None and events[0].valid_until == date(2025, 1, 1)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"sectors": ()}, "sectors", "au moins un secteur"),
        ({"sectors": ("BTP", "BTP")}, "sectors", "deux fois"),
        ({"criteria": ()}, "criteria", "au moins un critère"),
        ({"criteria": ("BRSA", "BRSA")}, "criteria", "deux fois"),
        ({"criteria": ("CHOMAGE",)}, "criteria", "Critère invalide"),
        ({"orientation_id": uuid.uuid4()}, "orientation_id", "pas une orientation de cette"),
        ({"validated_on": date(2024, 2, 1)}, "validated_on", "précéder l'orientation du 01/03"),
        ({"validated_on": date(2024, 6, 16)}, "validated_on", "dans le futur"),
        (
            {"evidence": (Evidence(EligibilityCriterion.RQTH, "Notification MDPH", TODAY),)},
            "evidence",
            "n'est pas retenu",
        ),
        (
            {"evidence": (Evidence(BRSA, "Attestation CAF", date(2024, 6, 2)),)},
            "evidence",
            "après la validation du 01/06/2024",
        ),
        ({"evidence": (Evidence(BRSA, "  ", date(2024, 5, 1)),)}, "evidence", "obligatoire"),
        ({"evidence": ("Attestation",)}, "evidence", "Justificatif invalide"),
        ({"valid_until": date(2024, 6, 1)}, "valid_until", "postérieure à la date de valid"),
    ],
)
def test_validation_errors(overrides, field, fragment):
    with refused_with(RuleViolation, field, fragment):
        validate(**overrides)


def test_validate_twice_or_unknown_person():
    events, _ = validate()
    with refused_with(AlreadyExists, "validation_id"):
        validate(people.fold([REGISTERED, ORIENTED, *events]))
    with refused_with(NotFound, "person_id"):
        validate(people.fold([]))


def test_stale_benefit_and_address_evidence_warn_but_validate():
    evidence = (
        Evidence(BRSA, "Attestation CAF", date(2024, 2, 29)),  # > 3 months before 01/06
        Evidence(QPV, "Facture EDF", date(2023, 11, 30)),  # > 6 months before 01/06
    )
    events, warnings = validate(evidence=evidence)
    assert len(events) == 1 and len(warnings) == 2
    assert "Attestation CAF" in warnings[0] and "plus de 3 mois" in warnings[0]
    assert "Facture EDF" in warnings[1] and "plus de 6 mois" in warnings[1]


def test_evidence_exactly_at_its_age_limit_does_not_warn():
    evidence = (
        Evidence(BRSA, "Attestation CAF", date(2024, 3, 1)),
        Evidence(QPV, "Quittance", date(2023, 12, 1)),
        Evidence(EligibilityCriterion.RQTH, "Notification MDPH", date(2020, 1, 1)),
    )
    _, warnings = validate(criteria=("BRSA", "QPV", "RQTH"), evidence=evidence)
    assert warnings == []


@pytest.mark.parametrize("criterion", ["DELD", "DETLD", "ASS_AAH", "BRSA"])
def test_every_benefit_or_france_travail_criterion_has_the_3_month_rule(criterion):
    evidence = (Evidence(EligibilityCriterion(criterion), "Attestation", date(2024, 2, 1)),)
    _, warnings = validate(criteria=(criterion,), evidence=evidence)
    assert len(warnings) == 1 and "3 mois" in warnings[0]


# ---- refusal --------------------------------------------------------------------------
def refuse(state=None, **overrides):
    values = dict(
        refusal_id=REFUSAL,
        orientation_id=ORIENTATION,
        sectors=("BTP",),
        reason="PROFIL_INADAPTE",
        reason_text=None,
        refused_on=date(2024, 4, 1),
        today=TODAY,
    )
    return decide.refuse(state or people.fold([REGISTERED, ORIENTED]), **{**values, **overrides})


def test_when_refuse_then_refused():
    assert refuse() == [
        CandidateRefused(
            PERSON, REFUSAL, ORIENTATION, BTP, RefusalReason.PROFIL_INADAPTE, None,
            date(2024, 4, 1),
        )
    ]  # fmt: skip
    other = refuse(reason="AUTRE", reason_text="  Déménagement  hors métropole ")
    assert other[0].reason_text == "Déménagement hors métropole"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"reason": "AUTRE"}, "reason_text", "Préciser le motif"),
        ({"reason": "AUTRE", "reason_text": "  "}, "reason_text", "Préciser le motif"),
        ({"reason": "FLEMME"}, "reason", "Motif de refus invalide"),
        ({"reason_text": "x" * 501}, "reason_text", "500 caractères"),
        ({"sectors": []}, "sectors", "au moins un secteur"),
        ({"refused_on": date(2024, 7, 1)}, "refused_on", "dans le futur"),
        ({"refused_on": date(2024, 2, 1)}, "refused_on", "précéder l'orientation"),
        ({"orientation_id": uuid.uuid4()}, "orientation_id", "pas une orientation"),
    ],
)
def test_refusal_errors(overrides, field, fragment):
    with refused_with(RuleViolation, field, fragment):
        refuse(**overrides)


def test_refuse_twice_is_already_exists():
    with refused_with(AlreadyExists, "refusal_id"):
        refuse(people.fold([REGISTERED, ORIENTED, *refuse()]))


# ---- PLIE link ------------------------------------------------------------------------
STARTED = PlieLinkStarted(PERSON, LINK, date(2023, 1, 10), "Mme Roy")
ENDED = PlieLinkEnded(PERSON, LINK, date(2023, 12, 31), "Emploi durable")


def test_when_start_and_end_plie_link_then_events_and_state():
    state = people.fold([REGISTERED])
    assert decide.start_plie_link(state, LINK, date(2023, 1, 10), " Mme  Roy ", TODAY) == [STARTED]
    opened = people.fold([REGISTERED, STARTED])
    assert opened.open_plie_link.link_id == LINK
    assert decide.end_plie_link(opened, LINK, date(2023, 12, 31), "Emploi durable", TODAY) == [
        ENDED
    ]
    closed = people.fold([REGISTERED, STARTED, ENDED])
    assert closed.open_plie_link is None
    assert closed.plie_link_on(date(2023, 12, 31)).link_id == LINK
    assert closed.plie_link_on(date(2024, 1, 1)) is None


def test_a_new_link_after_the_previous_one_ended_is_accepted():
    closed = people.fold([REGISTERED, STARTED, ENDED])
    new = decide.start_plie_link(closed, uuid.uuid4(), date(2024, 1, 1), "M. Petit", TODAY)
    assert new[0].entry_date == date(2024, 1, 1)


def test_plie_start_refusals():
    opened = people.fold([REGISTERED, STARTED])
    with refused_with(RuleViolation, "entry_date", "déjà en cours depuis le 10/01/2023"):
        decide.start_plie_link(opened, uuid.uuid4(), date(2024, 1, 1), "M. Petit", TODAY)
    closed = people.fold([REGISTERED, STARTED, ENDED])
    with refused_with(RuleViolation, "entry_date", "chevauche", "postérieure au 31/12/2023"):
        decide.start_plie_link(closed, uuid.uuid4(), date(2023, 12, 31), "M. Petit", TODAY)
    with refused_with(RuleViolation, "entry_date", "chevauche"):
        decide.start_plie_link(closed, uuid.uuid4(), date(2022, 1, 1), "M. Petit", TODAY)
    with refused_with(AlreadyExists, "link_id"):
        decide.start_plie_link(closed, LINK, date(2024, 1, 1), "M. Petit", TODAY)
    with refused_with(RuleViolation, "referent", "référent PLIE est obligatoire"):
        decide.start_plie_link(closed, uuid.uuid4(), date(2024, 1, 1), "", TODAY)
    with refused_with(RuleViolation, "entry_date", "dans le futur"):
        decide.start_plie_link(closed, uuid.uuid4(), date(2024, 7, 1), "M. Petit", TODAY)


def test_plie_end_refusals():
    opened = people.fold([REGISTERED, STARTED])
    with refused_with(NotFound, "link_id", "introuvable"):
        decide.end_plie_link(opened, uuid.uuid4(), TODAY, "Emploi", TODAY)
    with refused_with(RuleViolation, "exit_date", "ne peut pas précéder la date d'entrée"):
        decide.end_plie_link(opened, LINK, date(2023, 1, 9), "Emploi", TODAY)
    with refused_with(RuleViolation, "reason", "motif de sortie du PLIE est obligatoire"):
        decide.end_plie_link(opened, LINK, date(2023, 2, 1), " ", TODAY)
    with refused_with(RuleViolation, "exit_date", "dans le futur"):
        decide.end_plie_link(opened, LINK, date(2024, 6, 16), "Emploi", TODAY)
    closed = people.fold([REGISTERED, STARTED, ENDED])
    with refused_with(RuleViolation, "link_id", "déjà clos (sortie le 31/12/2023)"):
        decide.end_plie_link(closed, LINK, TODAY, "Emploi", TODAY)
    # Exit on the entry day is allowed.
    assert decide.end_plie_link(opened, LINK, date(2023, 1, 10), "Abandon", TODAY)


def test_identity_errors_come_in_form_order():
    with refused_with(RuleViolation, "last_name"):
        identity(last_name="", birth_date=date(2020, 1, 1), sex="X")
    with refused_with(RuleViolation, "birth_date"):
        identity(birth_date=date(2020, 1, 1), sex="X")
