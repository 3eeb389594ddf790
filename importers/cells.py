"""Cleaning one cell: pure functions returning a clean value or raising CellError.

Cells arrive as the readers give them: ``str``, ``int``/``float`` (calamine
gives every number as float), ``bool``, ``date``/``datetime``, ``time`` and
``timedelta`` (durations), or ``None``. Every function takes the column label
as written in the file so that its French message names the column the user
sees, and returns ``None`` for an empty cell: whether a value is required is
decided by the row stage.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from uuid import UUID

from stdnum.fr import siret as stdnum_siret

from importers.errors import CellError
from importers.normalize import collapse_spaces, fold_words, remove_spaces

HUNDREDTH = Decimal("0.01")
MIN_YEAR, MAX_YEAR = 1900, 2100
MIN_MONTH_YEAR = 2000
# Stable values of events.catalog.contracts.ContractType (kept as strings: the
# reading layer does not import the domain; a test checks they stay in sync).
CONTRACT_TYPES = (
    "CDDI",
    "CTTI",
    "CDI",
    "CDD",
    "CPRO",
    "APPRENTISSAGE",
    "CONTRAT_USAGE_AI",
    "AUTRE",
)

_EXCEL_1900 = date(1899, 12, 30)  # serial 61 is 1900-03-01 once Lotus' fake 29/02/1900 is past
_EXCEL_1904 = date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 31/12/9999


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    # str.strip() knows every Unicode space; zero-width ones are stripped too.
    stripped = value.strip()
    return not stripped or (
        stripped[0] in "\u200b\ufeff" and not stripped.strip("\u200b\ufeff").strip()
    )


def show(value: Any) -> str:
    """A cell as the user would recognise it in a message."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time() else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        value = str(value).replace(".", ",")
    text = collapse_spaces(str(value))
    return text if len(text) <= 40 else text[:39] + "…"


def _fail(label: str, value: Any, problem: str, fix: str) -> CellError:
    return CellError(f"{label} : « {show(value)} » {problem} ; {fix}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


# ---------------------------------------------------------------- text columns


def clean_text(value: Any, label: str) -> str | None:
    """Free text (comment): trimmed, spaces collapsed."""
    if is_empty(value):
        return None
    if isinstance(value, date):
        return show(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return collapse_spaces(str(value))


def clean_name(value: Any, label: str) -> str | None:
    """Last or first name: text only, trimmed, inner spaces collapsed."""
    if is_empty(value):
        return None
    if not isinstance(value, str):
        raise _fail(label, value, "n'est pas un nom", "écrivez le nom en lettres")
    name = collapse_spaces(value)
    if not any(ch.isalpha() for ch in name):
        raise _fail(label, value, "n'est pas un nom", "écrivez le nom en lettres")
    return name


def clean_reference(value: Any, label: str) -> str | None:
    """Market reference or lot number, kept as given (a number cell ``3.0`` gives ``3``)."""
    if is_empty(value):
        return None
    if isinstance(value, date):
        raise _fail(
            label,
            value,
            "a été transformé en date par le tableur",
            "mettez la colonne au format Texte puis recopiez la référence",
        )
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(label, value, "n'est pas une référence", "recopiez la référence")
        if value == int(value):
            return str(int(value))
        return str(value)
    return collapse_spaces(str(value)).lstrip("'")


def clean_person_id(value: Any, label: str) -> str | None:
    """Identifier of the pre-filled template's hidden column (a UUID)."""
    if is_empty(value):
        return None
    try:
        return str(UUID(remove_spaces(str(value))))
    except ValueError:
        raise _fail(
            label,
            value,
            "n'est pas un identifiant valide",
            "ne modifiez pas cette colonne du modèle pré-rempli (laissez-la vide pour une "
            "personne ajoutée à la main)",
        ) from None


# ---------------------------------------------------------------------- SIRET


@lru_cache(maxsize=4096)
def _valid_siret(digits: str) -> bool:
    return stdnum_siret.is_valid(digits)


_SCIENTIFIC = re.compile(r"^\d[.,]\d*e\+?\d+$", re.IGNORECASE)


def clean_siret(value: Any, label: str) -> str | None:
    """14 digits. A number cell lost its leading zeros and is padded back; a text
    cell keeps its zeros. Spaces, dots and dashes are removed; the key is checked."""
    if is_empty(value):
        return None
    if isinstance(value, date):
        raise _fail(label, value, "n'est pas un SIRET", "recopiez les 14 chiffres du SIRET")
    if _is_number(value):
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            raise _fail(label, value, "n'est pas un SIRET", "recopiez les 14 chiffres du SIRET")
        if value < 0:
            raise _fail(label, value, "n'est pas un SIRET", "recopiez les 14 chiffres du SIRET")
        digits = str(int(value)).zfill(14)
    else:
        text = remove_spaces(str(value)).lstrip("'")
        if _SCIENTIFIC.match(text):
            raise _fail(
                label,
                value,
                "a été abîmé par le tableur (écriture scientifique)",
                "mettez la colonne au format Texte puis recopiez les 14 chiffres du SIRET",
            )
        digits = re.sub(r"[.\-]", "", text)
    if not digits.isdigit() or not digits.isascii():
        raise _fail(
            label, value, "ne doit contenir que des chiffres", "recopiez les 14 chiffres du SIRET"
        )
    if len(digits) != 14:
        hint = (
            " (c'est un SIREN : ajoutez les 5 chiffres de l'établissement)"
            if len(digits) == 9
            else ""
        )
        raise _fail(
            label,
            value,
            f"compte {len(digits)} chiffres au lieu de 14{hint}",
            "recopiez le SIRET complet de l'établissement employeur",
        )
    if not _valid_siret(digits):
        raise _fail(
            label,
            value,
            "n'est pas un SIRET valide (la clé de contrôle ne correspond pas)",
            "vérifiez les chiffres sur l'avis de situation SIRENE",
        )
    return digits


# ---------------------------------------------------------------------- dates

_MONTHS = {
    1: ("janvier", "janv", "jan", "january"),
    2: ("fevrier", "fevr", "fev", "feb", "february"),
    3: ("mars", "mar", "march"),
    4: ("avril", "avr", "apr", "april"),
    5: ("mai", "may"),
    6: ("juin", "jun", "june"),
    7: ("juillet", "juil", "jul", "july"),
    8: ("aout", "aou", "aug", "august"),
    9: ("septembre", "sept", "sep", "september"),
    10: ("octobre", "oct", "october"),
    11: ("novembre", "nov", "november"),
    12: ("decembre", "dec", "december"),
}
MONTH_NAMES = {name: number for number, names in _MONTHS.items() for name in names}

_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)$")
_DMY = re.compile(r"^(\d{1,2}) (\d{1,2}) (\d{4}|\d{2})$")
_YMD = re.compile(r"^(\d{4}) (\d{1,2}) (\d{1,2})$")
_D_NAME_Y = re.compile(r"^(\d{1,2})(?:er)? ([a-z]+) (\d{4}|\d{2})$")
_YM = re.compile(r"^(\d{4}) (\d{1,2})$")
_MY = re.compile(r"^(\d{1,2}) (\d{4}|\d{2})$")
_NAME_Y = re.compile(r"^([a-z]+) ?(\d{4}|\d{2})$")

DATE_FIX = "écrivez la date sous la forme 15/03/2023"
MONTH_FIX = "écrivez par exemple 03/2023 ou mars 2023"


def expand_year(two_digits: int, today: date | None = None) -> int:
    """``23`` → 2023; years more than ten years ahead are last century (``85`` → 1985)."""
    this_year = (today or date.today()).year
    year = 2000 + two_digits
    return year if year <= this_year + 10 else year - 100


def excel_serial_to_date(serial: float, *, date1904: bool = False) -> date:
    """Date of an Excel serial number; the time of day (fraction) is dropped.

    1900 system: serial 1 is 01/01/1900 and serial 60 is Lotus' 29/02/1900, a day
    that never existed (ValueError). 1904 system: serial 0 is 01/01/1904."""
    if not math.isfinite(serial):
        raise ValueError("not a finite serial")
    days = math.floor(serial)
    if date1904:
        if not 0 <= days <= _MAX_SERIAL - 1462:
            raise ValueError("serial out of range")
        return _EXCEL_1904 + timedelta(days=days)
    if not 1 <= days <= _MAX_SERIAL:
        raise ValueError("serial out of range")
    if days == 60:
        raise ValueError("29/02/1900 does not exist")
    if days < 60:
        return _EXCEL_1900 + timedelta(days=days + 1)
    return _EXCEL_1900 + timedelta(days=days)


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _text_date(text: str, today: date | None) -> date | None:
    """Date written as text, day first, or None when the text is not a date."""
    text = _TIME_SUFFIX.sub("", text.strip())
    words = fold_words(text)
    if match := _YMD.match(words):
        year, month, day = map(int, match.groups())
        return _make_date(year, month, day)
    if match := _DMY.match(words):
        day, month, year_text = match.groups()
        year = int(year_text) if len(year_text) == 4 else expand_year(int(year_text), today)
        return _make_date(year, int(month), int(day))
    if match := _D_NAME_Y.match(words):
        day, name, year_text = match.groups()
        if name in MONTH_NAMES:
            year = int(year_text) if len(year_text) == 4 else expand_year(int(year_text), today)
            return _make_date(year, MONTH_NAMES[name], int(day))
    return None


def _date_of(value: Any, date1904: bool, today: date | None) -> date | None:
    """Any date-like cell to a date, or None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if _is_number(value):
        try:
            return excel_serial_to_date(float(value), date1904=date1904)
        except ValueError:
            return None
    if isinstance(value, str):
        return _text_date(value, today)
    return None


def clean_date(
    value: Any, label: str, *, date1904: bool = False, today: date | None = None
) -> date | None:
    """A day: real date, Excel serial, or text ``15/03/2023``, ``15/03/23``,
    ``2023-03-15``, ``15.03.2023``, ``15 mars 2023``."""
    if is_empty(value):
        return None
    if isinstance(value, bool | time | timedelta):
        raise _fail(label, value, "n'est pas une date", DATE_FIX)
    result = _date_of(value, date1904, today)
    if result is None:
        raise _fail(label, value, "n'est pas une date valide", DATE_FIX)
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        raise _fail(label, value, f"donne l'année {result.year}, qui n'est pas plausible", DATE_FIX)
    return result


def _text_month(text: str, today: date | None) -> date | None:
    words = fold_words(_TIME_SUFFIX.sub("", text.strip()))
    if match := _YM.match(words):
        year, month = map(int, match.groups())
        return _make_date(year, month, 1)
    if match := _MY.match(words):
        month, year_text = match.groups()
        year = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
        return _make_date(year, int(month), 1)
    if match := _NAME_Y.match(words):
        name, year_text = match.groups()
        if name in MONTH_NAMES:
            year = int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
            return date(year, MONTH_NAMES[name], 1)
        return None
    day = _text_date(text, today)
    return day.replace(day=1) if day else None


def clean_month(
    value: Any, label: str, *, date1904: bool = False, today: date | None = None
) -> date | None:
    """A month, returned as its first day: real date, Excel serial, or text
    ``2023-03``, ``03/2023``, ``3/2023``, ``03-2023``, ``2023/03``, ``mars 2023``,
    ``Mars-23``, ``sept. 2023``, ``janv 2024``, or a full date."""
    if is_empty(value):
        return None
    if isinstance(value, bool | time | timedelta):
        raise _fail(label, value, "n'est pas un mois valide", MONTH_FIX)
    if isinstance(value, str):
        result = _text_month(value, today)
    else:
        day = _date_of(value, date1904, today)
        result = day.replace(day=1) if day else None
    if result is None:
        raise _fail(label, value, "n'est pas un mois valide", MONTH_FIX)
    if not MIN_MONTH_YEAR <= result.year <= MAX_YEAR:
        raise _fail(
            label, value, f"donne l'année {result.year}, qui n'est pas plausible", MONTH_FIX
        )
    return result


# ---------------------------------------------------------------------- hours

HOURS_FIX = "écrivez par exemple 7,5 ou 7h30"
_ISO_DURATION = re.compile(r"^p(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:[.,]\d+)?)s)?)?$")
_HOURS_MINUTES = re.compile(r"^(-?\d+)[h:](\d{1,2})(?::(\d{1,2}))?(?:mn|min)?$")
_PLAIN_NUMBER = re.compile(r"^(-?)([\d.,]*\d[\d.,]*)(?:h|hr|hrs|heures?)?$")


def _grouped(integer: str, separator: str) -> bool:
    return re.fullmatch(rf"\d{{1,3}}(?:{re.escape(separator)}\d{{3}})*", integer) is not None


def _decimal_from_separators(text: str) -> Decimal | None:
    """``1.234,50``, ``1,234.50``, ``7,5``, ``7.5``, ``1.234.567`` to a Decimal;
    a separator used for thousands must split groups of three digits."""
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        if text.count(decimal_mark) > 1:
            return None
        integer, _, fraction = text.partition(decimal_mark)
        if not _grouped(integer, thousands):
            return None
        text = f"{integer.replace(thousands, '')}.{fraction}"
    elif commas > 1 or dots > 1:
        separator = "," if commas else "."
        if not _grouped(text, separator):
            return None
        text = text.replace(separator, "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+|\d+\.", text):
        return None
    return Decimal(text)


def _text_hours(text: str) -> Decimal | None:
    compact = remove_spaces(text).lower().replace("\u2212", "-").lstrip("'")
    if match := _ISO_DURATION.match(compact):
        days, hours, minutes, seconds = match.groups()
        if not any((days, hours, minutes, seconds)):
            return None
        total = Decimal(days or 0) * 24 + Decimal(hours or 0) + Decimal(minutes or 0) / 60
        return total + Decimal((seconds or "0").replace(",", ".")) / 3600
    if match := _HOURS_MINUTES.match(compact):
        hours, minutes, seconds = match.groups()
        if int(minutes) > 59 or (seconds and int(seconds) > 59):
            raise ValueError("minutes")
        sign = -1 if hours.startswith("-") else 1
        fraction = Decimal(minutes) / 60 + Decimal(seconds or 0) / 3600
        return Decimal(hours) + sign * fraction
    if match := _PLAIN_NUMBER.match(compact):
        sign, number = match.groups()
        parsed = _decimal_from_separators(number)
        if parsed is None:
            return None
        return -parsed if sign else parsed
    return None


def clean_hours(value: Any, label: str) -> Decimal | None:
    """Hours to the hundredth (half up): numbers, ``7,5``, ``7.5``, ``7h30``,
    ``7 h 30``, ``7:30``, ``1 234,50``, ``1.234,50``, durations (``timedelta`` from
    XLSX ``[h]:mm``, ``time`` or ISO ``PT151H40M`` from ODS). Never negative."""
    if is_empty(value):
        return None
    if isinstance(value, bool | date):
        raise _fail(label, value, "n'est pas un nombre d'heures", HOURS_FIX)
    if isinstance(value, timedelta):
        hours = Decimal(value.days * 86_400 + value.seconds) / 3600
        hours += Decimal(value.microseconds) / 3_600_000_000
    elif isinstance(value, time):
        hours = Decimal(value.hour) + Decimal(value.minute) / 60 + Decimal(value.second) / 3600
    elif _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(label, value, "n'est pas un nombre d'heures", HOURS_FIX)
        # str() first: Decimal(7.1) would carry the float's binary noise.
        hours = Decimal(str(value))
    else:
        try:
            parsed = _text_hours(str(value))
        except ValueError:
            raise _fail(
                label, value, "a plus de 59 minutes", "écrivez par exemple 7h45 ou 7,75"
            ) from None
        if parsed is None:
            raise _fail(label, value, "n'est pas un nombre d'heures", HOURS_FIX)
        hours = parsed
    try:
        rounded = hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise _fail(label, value, "est trop grand", "vérifiez le nombre d'heures") from None
    if rounded < 0:
        raise _fail(label, value, "est négatif", "indiquez un nombre d'heures positif ou nul")
    return rounded + 0  # normalises -0.00 to 0.00


# ------------------------------------------------------------- contract types

_CONTRACT_EXACT = {
    "cddi": "CDDI",
    "ctti": "CTTI",
    "cdi": "CDI",
    "cdd": "CDD",
    "cpro": "CPRO",
    "apprentissage": "APPRENTISSAGE",
    "apprenti": "APPRENTISSAGE",
    "contrat usage ai": "CONTRAT_USAGE_AI",
    "ai": "CONTRAT_USAGE_AI",
    "autre": "AUTRE",
}
# Ordered: the insertion variants before plain CDD, usage before CDD (CDD d'usage).
_CONTRACT_RULES: tuple[tuple[tuple[str, ...], tuple[str, ...], str], ...] = (
    # (all of these words..., any of these words, type)
    (("insertion",), ("cdd", "determinee", "cddi"), "CDDI"),
    (("insertion",), ("interim", "temporaire", "ctt", "ctti", "mission"), "CTTI"),
    ((), ("usage",), "CONTRAT_USAGE_AI"),
    ((), ("professionnalisation", "pro", "cpro", "professionalisation"), "CPRO"),
    ((), ("apprentissage", "apprenti", "apprentie"), "APPRENTISSAGE"),
    (("indeterminee",), (), "CDI"),
    ((), ("cdi",), "CDI"),
    (("determinee",), (), "CDD"),
    ((), ("cdd",), "CDD"),
)
KNOWN_CONTRACTS = (
    "CDDI, CTTI, CDI, CDD, contrat de professionnalisation, apprentissage, contrat d'usage (AI)"
)


def clean_contract_type(value: Any, label: str) -> tuple[str | None, str | None]:
    """Contract type to the stable enum value, with a French warning when the
    label is not recognised (the row is kept as ``AUTRE``)."""
    if is_empty(value):
        return None, None
    if isinstance(value, str):
        return _contract_type_of_text(value, label)
    return _contract_type_of_text(str(value), label)


@lru_cache(maxsize=1024)
def _contract_type_of_text(value: str, label: str) -> tuple[str, str | None]:
    words = fold_words(re.sub(r"\([^)]*\)", " ", str(value))) or fold_words(str(value))
    compact = words.replace(" ", "_").upper()
    if compact in CONTRACT_TYPES:
        return compact, None
    if words in _CONTRACT_EXACT:
        return _CONTRACT_EXACT[words], None
    tokens = set(words.split())
    for required, any_of, contract in _CONTRACT_RULES:
        if all(word in tokens for word in required) and (not any_of or tokens & set(any_of)):
            return contract, None
    warning = (
        f"{label} : « {show(value)} » n'est pas un type de contrat reconnu ; il est "
        f"enregistré comme « Autre ». Types reconnus : {KNOWN_CONTRACTS}."
    )
    return "AUTRE", warning
