"""Cleaning of single cells: tables of inputs, errors, and property tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.catalog.contracts import ContractType
from importers import cells
from importers.errors import CellError

TODAY = date(2026, 1, 15)


def _date(value, **kwargs):
    return cells.clean_date(value, "Date de naissance", today=TODAY, **kwargs)


def _month(value, **kwargs):
    return cells.clean_month(value, "Mois", today=TODAY, **kwargs)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2023, 3, 15), date(2023, 3, 15)),
        (datetime(2023, 3, 15, 10, 30), date(2023, 3, 15)),
        (45000, date(2023, 3, 15)),
        (45000.75, date(2023, 3, 15)),
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        ("15/03/2023", date(2023, 3, 15)),
        ("15/03/23", date(2023, 3, 15)),
        ("15/03/85", date(1985, 3, 15)),
        ("2023-03-15", date(2023, 3, 15)),
        ("15.03.2023", date(2023, 3, 15)),
        ("15-03-2023", date(2023, 3, 15)),
        ("5/3/2023", date(2023, 3, 5)),
        (" 15/03/2023 ", date(2023, 3, 15)),
        ("15/03/2023 00:00:00", date(2023, 3, 15)),
        ("2023-03-15T00:00:00", date(2023, 3, 15)),
        ("1er mars 2023", date(2023, 3, 1)),
        ("15 février 2023", date(2023, 2, 15)),
        (None, None),
        ("", None),
        ("  \u00a0", None),
    ],
)
def test_dates(value, expected):
    assert _date(value) == expected


def test_serials_of_the_1904_system():
    assert _date(0, date1904=True) == date(1904, 1, 1)
    assert _date(43538, date1904=True) == date(2023, 3, 15)
    assert _date(45000) - _date(45000, date1904=True) == timedelta(days=-1462)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("31/02/2023", "n'est pas une date valide"),
        ("15/13/2023", "n'est pas une date valide"),
        ("demain", "n'est pas une date valide"),
        ("03/2023", "n'est pas une date valide"),
        (60, "n'est pas une date valide"),  # 29/02/1900 never existed
        (0, "n'est pas une date valide"),
        (-5, "n'est pas une date valide"),
        (7.3282932000074e13, "n'est pas une date valide"),
        (float("nan"), "n'est pas une date valide"),
        ("15/03/1850", "donne l'année 1850, qui n'est pas plausible"),
        (time(7, 30), "n'est pas une date"),
        (True, "n'est pas une date"),
    ],
)
def test_date_errors_name_the_column_and_the_fix(value, problem):
    with pytest.raises(CellError) as caught:
        _date(value)
    message = caught.value.message
    assert message.startswith("Date de naissance : « ")
    assert problem in message
    assert message.endswith("écrivez la date sous la forme 15/03/2023.")


# --------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2023, 3, 15), date(2023, 3, 1)),
        (datetime(2023, 3, 31, 23, 59), date(2023, 3, 1)),
        (45000, date(2023, 3, 1)),
        ("2023-03", date(2023, 3, 1)),
        ("03/2023", date(2023, 3, 1)),
        ("3/2023", date(2023, 3, 1)),
        ("03-2023", date(2023, 3, 1)),
        ("2023/03", date(2023, 3, 1)),
        ("03.2023", date(2023, 3, 1)),
        ("03/23", date(2023, 3, 1)),
        ("mars 2023", date(2023, 3, 1)),
        ("Mars 2023", date(2023, 3, 1)),
        ("MARS 2023", date(2023, 3, 1)),
        ("Mars-23", date(2023, 3, 1)),
        ("mars-23", date(2023, 3, 1)),
        ("mars2023", date(2023, 3, 1)),
        ("sept. 2023", date(2023, 9, 1)),
        ("janv 2024", date(2024, 1, 1)),
        ("janv. 2024", date(2024, 1, 1)),
        ("février 2024", date(2024, 2, 1)),
        ("fevrier 2024", date(2024, 2, 1)),
        ("févr. 2024", date(2024, 2, 1)),
        ("avr-24", date(2024, 4, 1)),
        ("mai 2024", date(2024, 5, 1)),
        ("juin 2024", date(2024, 6, 1)),
        ("juil. 2024", date(2024, 7, 1)),
        ("août 2024", date(2024, 8, 1)),
        ("aout 2024", date(2024, 8, 1)),
        ("oct. 2024", date(2024, 10, 1)),
        ("nov 2024", date(2024, 11, 1)),
        ("déc. 2024", date(2024, 12, 1)),
        ("Dec-24", date(2024, 12, 1)),
        ("Mar-23", date(2023, 3, 1)),
        ("15/03/2023", date(2023, 3, 1)),
        ("2023-03-15", date(2023, 3, 1)),
        (None, None),
    ],
)
def test_months(value, expected):
    assert _month(value) == expected


@pytest.mark.parametrize(
    "value", ["13/2023", "00/2023", "2023-13", "mars", "2023", "ju 2023", "T1 2023", 3, "03/1999"]
)
def test_month_errors(value):
    with pytest.raises(CellError) as caught:
        _month(value)
    assert caught.value.message.startswith("Mois : « ")
    assert caught.value.message.endswith("écrivez par exemple 03/2023 ou mars 2023.")


def test_month_error_message_in_full():
    with pytest.raises(CellError) as caught:
        _month("13/2023")
    assert caught.value.message == (
        "Mois : « 13/2023 » n'est pas un mois valide ; écrivez par exemple 03/2023 ou mars 2023."
    )


# ---------------------------------------------------------------- hours


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7,5", "7.50"),
        ("7.5", "7.50"),
        ("7h30", "7.50"),
        ("7 h 30", "7.50"),
        ("7H30", "7.50"),
        ("7:30", "7.50"),
        ("151:40", "151.67"),
        ("151:40:00", "151.67"),
        ("7h", "7.00"),
        ("7,5 h", "7.50"),
        ("7,5 heures", "7.50"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1\u202f234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234.567", "1234567.00"),
        ("0", "0.00"),
        (",5", "0.50"),
        ("0,005", "0.01"),
        ("0,004", "0.00"),
        ("PT151H40M00S", "151.67"),
        ("PT7H30M", "7.50"),
        ("P1DT2H", "26.00"),
        (7.1, "7.10"),
        (0.1 + 0.2, "0.30"),
        (151.666666, "151.67"),
        (12, "12.00"),
        (Decimal("3.335"), "3.34"),
        (timedelta(hours=151, minutes=40), "151.67"),
        (timedelta(minutes=45), "0.75"),
        (time(7, 30), "7.50"),
        (None, None),
        ("", None),
    ],
)
def test_hours(value, expected):
    result = cells.clean_hours(value, "Heures travaillées")
    assert result == (None if expected is None else Decimal(expected))
    if result is not None:
        assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("-3", "« -3 » est négatif ; indiquez un nombre d'heures positif ou nul."),
        (-0.5, "« -0,5 » est négatif ; indiquez un nombre d'heures positif ou nul."),
        ("\u22127,5", "est négatif"),
        ("7h75", "« 7h75 » a plus de 59 minutes ; écrivez par exemple 7h45 ou 7,75."),
        ("sept heures", "n'est pas un nombre d'heures ; écrivez par exemple 7,5 ou 7h30."),
        ("7,5,5", "n'est pas un nombre d'heures"),
        ("1,2.3,4", "n'est pas un nombre d'heures"),
        ("#DIV/0!", "n'est pas un nombre d'heures"),
        (True, "n'est pas un nombre d'heures"),
        (date(2024, 3, 1), "n'est pas un nombre d'heures"),
        (float("inf"), "n'est pas un nombre d'heures"),
        ("P", "n'est pas un nombre d'heures"),
    ],
)
def test_hour_errors(value, problem):
    with pytest.raises(CellError) as caught:
        cells.clean_hours(value, "Heures travaillées")
    assert caught.value.message.startswith("Heures travaillées : « ")
    assert problem in caught.value.message


def _french(amount: Decimal, separator: str) -> str:
    whole, _, fraction = f"{amount:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return separator.join(groups) + "," + fraction


@given(
    amount=st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False),
    separator=st.sampled_from(["", " ", "\u00a0", "\u202f", "."]),
)
def test_hours_written_the_french_way_parse_back_equal(amount, separator):
    assert cells.clean_hours(_french(amount, separator), "Heures") == amount


@given(hours=st.integers(0, 999), minutes=st.integers(0, 59))
def test_hours_and_minutes_parse_back(hours, minutes):
    expected = (Decimal(hours) + Decimal(minutes) / 60).quantize(Decimal("0.01"))
    assert cells.clean_hours(f"{hours}h{minutes:02d}", "Heures") == expected
    assert cells.clean_hours(f"{hours}:{minutes:02d}", "Heures") == expected
    assert cells.clean_hours(timedelta(hours=hours, minutes=minutes), "Heures") == expected


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_float_hours_are_the_rounded_shortest_repr(value):
    assert cells.clean_hours(value, "Heures") == Decimal(repr(value)).quantize(Decimal("0.01"))


# --------------------------------------------------------- dates property

FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y 00:00:00"]


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    fmt=st.sampled_from(FORMATS),
)
def test_any_date_in_each_text_format_parses_back(day, fmt):
    assert _date(day.strftime(fmt)) == day


@given(day=st.dates(min_value=date(1937, 1, 1), max_value=date(2036, 12, 31)))
def test_two_digit_years_within_the_window_parse_back(day):
    assert _date(day.strftime("%d/%m/%y")) == day


@given(
    day=st.dates(min_value=date(1904, 1, 1), max_value=date(2100, 12, 31)), date1904=st.booleans()
)
def test_excel_serials_round_trip(day, date1904):
    epoch = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
    serial = (day - epoch).days
    assert cells.excel_serial_to_date(serial, date1904=date1904) == day
    assert cells.excel_serial_to_date(serial + 0.99, date1904=date1904) == day


@given(month=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_any_month_in_each_text_format_parses_back(month):
    first = month.replace(day=1)
    names = {
        1: "janvier",
        2: "février",
        3: "mars",
        4: "avril",
        5: "mai",
        6: "juin",
        7: "juillet",
        8: "août",
        9: "septembre",
        10: "octobre",
        11: "novembre",
        12: "décembre",
    }
    for text in (
        f"{first:%m/%Y}",
        f"{first:%Y-%m}",
        f"{first.month}/{first.year}",
        f"{names[first.month]} {first.year}",
        f"{names[first.month].capitalize()}-{first:%y}",
    ):
        assert _month(text) == first, text


# ---------------------------------------------------------------- SIRET


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("732\u00a0829\u00a0320\u00a000074", "73282932000074"),
        ("'73282932000074", "73282932000074"),
        (73282932000074, "73282932000074"),
        (7.3282932000074e13, "73282932000074"),
        (73282932000074.0, "73282932000074"),
        ("00552013500004", "00552013500004"),  # leading zeros kept from text
        (552013500004, "00552013500004"),  # number cell: zeros lost, put back
        ("35600000000048", "35600000000048"),  # La Poste: its own key rule
        (None, None),
    ],
)
def test_sirets(value, expected):
    assert cells.clean_siret(value, "SIRET employeur") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("7,3283E+13", "a été abîmé par le tableur (écriture scientifique)"),
        ("732829320", "compte 9 chiffres au lieu de 14 (c'est un SIREN"),
        ("7328293200007", "compte 13 chiffres au lieu de 14"),
        ("73282932000075", "n'est pas un SIRET valide (la clé de contrôle ne correspond pas)"),
        ("7328293200007A", "ne doit contenir que des chiffres"),
        (7.5, "n'est pas un SIRET"),
        (-1, "n'est pas un SIRET"),
        (date(2023, 1, 1), "n'est pas un SIRET"),
    ],
)
def test_siret_errors(value, problem):
    with pytest.raises(CellError) as caught:
        cells.clean_siret(value, "SIRET employeur")
    assert caught.value.message.startswith("SIRET employeur : « ")
    assert problem in caught.value.message


# ------------------------------------------------------- names, references


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Dupont ", "Dupont"),
        ("Van   Anh", "Van Anh"),
        ("Jean\u00a0-\u202fPierre", "Jean - Pierre"),
        ("Le\tGall", "Le Gall"),
        (None, None),
        ("   ", None),
    ],
)
def test_names(value, expected):
    assert cells.clean_name(value, "Nom") == expected


@pytest.mark.parametrize("value", [12, 3.5, "1234", date(2000, 1, 1)])
def test_name_errors(value):
    with pytest.raises(CellError) as caught:
        cells.clean_name(value, "Nom")
    assert caught.value.message.endswith("n'est pas un nom ; écrivez le nom en lettres.")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (3.0, "3"),
        (2.5, "2.5"),
        ("  M2023-001 ", "M2023-001"),
        ("'007", "007"),
        (None, None),
    ],
)
def test_references(value, expected):
    assert cells.clean_reference(value, "Lot") == expected


def test_reference_turned_into_a_date_by_the_spreadsheet():
    with pytest.raises(CellError) as caught:
        cells.clean_reference(date(2023, 3, 1), "Référence marché")
    assert "a été transformé en date par le tableur" in caught.value.message


def test_person_ids():
    assert cells.clean_person_id(
        " 0B6F1E2A-7C1D-4F7E-9A53-2F6D8C1E4B10 ", "Identifiant personne"
    ) == ("0b6f1e2a-7c1d-4f7e-9a53-2f6d8c1e4b10")
    with pytest.raises(CellError) as caught:
        cells.clean_person_id("P-123", "Identifiant personne")
    assert "ne modifiez pas cette colonne du modèle pré-rempli" in caught.value.message


# ------------------------------------------------------- contract types


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CDDI", "CDDI"),
        ("cddi", "CDDI"),
        ("CDD d'insertion", "CDDI"),
        ("CDD d’insertion", "CDDI"),
        ("Contrat à durée déterminée d'insertion", "CDDI"),
        ("CDDI (CDD d'insertion)", "CDDI"),
        ("CTTI", "CTTI"),
        ("intérim d'insertion", "CTTI"),
        ("Interim insertion", "CTTI"),
        ("Contrat de travail temporaire d'insertion", "CTTI"),
        ("Contrat pro", "CPRO"),
        ("contrat de professionnalisation", "CPRO"),
        ("Professionnalisation", "CPRO"),
        ("CPRO", "CPRO"),
        ("apprentissage", "APPRENTISSAGE"),
        ("Contrat d'apprentissage", "APPRENTISSAGE"),
        ("CDI", "CDI"),
        ("Contrat à durée indéterminée", "CDI"),
        ("CDD", "CDD"),
        ("cdd", "CDD"),
        ("contrat d'usage", "CONTRAT_USAGE_AI"),
        ("CDD d'usage", "CONTRAT_USAGE_AI"),
        ("CONTRAT_USAGE_AI", "CONTRAT_USAGE_AI"),
        ("Autre", "AUTRE"),
    ],
)
def test_contract_types(value, expected):
    assert cells.clean_contract_type(value, "Type de contrat") == (expected, None)


@pytest.mark.parametrize("value", ["Stage", "Intérim", "bénévolat", 42])
def test_unknown_contract_types_are_kept_as_other_with_a_warning(value):
    contract, warning = cells.clean_contract_type(value, "Type de contrat")
    assert contract == "AUTRE"
    assert warning.startswith(f"Type de contrat : « {value} » n'est pas un type de contrat reconnu")
    assert "enregistré comme « Autre »" in warning


def test_empty_contract_type():
    assert cells.clean_contract_type("  ", "Type de contrat") == (None, None)


def test_contract_values_are_those_of_the_event_catalog():
    assert set(cells.CONTRACT_TYPES) == {member.value for member in ContractType}


def test_text_is_trimmed_and_collapsed():
    assert cells.clean_text("  Mission \n longue ", "Commentaire") == "Mission longue"
    assert cells.clean_text(12.0, "Commentaire") == "12"
    assert cells.clean_text("=1+1", "Commentaire") == "=1+1"
