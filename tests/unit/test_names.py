"""Name normalisation: what makes "DUPONT-MARTIN Élodie" the same as "dupont martin elodie"."""

import unicodedata
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from clauses_service.domain.names import clean_name, match_key, normalise_name


def test_spreadsheet_spellings_of_one_name_normalise_alike():
    assert normalise_name("DUPONT-MARTIN Élodie") == "dupont martin elodie"
    assert normalise_name("  dupont   martin  ELODIE ") == "dupont martin elodie"
    assert normalise_name("N’Diaye") == normalise_name("n'diaye") == "n diaye"
    assert normalise_name("St.-Exupéry") == "st exupery"
    assert normalise_name("Çağlar Öztürk") == "caglar ozturk"
    assert normalise_name("Straße") == "strasse"
    assert normalise_name(None) == "" and normalise_name(" - ") == ""


def test_decomposed_and_composed_accents_are_the_same():
    composed = unicodedata.normalize("NFC", "Hélène")
    decomposed = unicodedata.normalize("NFD", "Hélène")
    assert composed != decomposed
    assert normalise_name(composed) == normalise_name(decomposed) == "helene"


def test_clean_name_keeps_case_and_accents():
    assert clean_name("  Jean   Pierre\tÉlodie ") == "Jean Pierre Élodie"
    assert clean_name(None) == ""


def test_match_key_joins_names_and_birth_date():
    key = match_key("DUPONT-MARTIN", "Élodie", date(1990, 3, 15))
    assert key == "dupont martin|elodie|1990-03-15"
    assert key == match_key("dupont martin", "ELODIE", date(1990, 3, 15))
    assert key != match_key("dupont martin", "elodie", date(1990, 3, 16))


@given(st.text())
def test_normalise_is_idempotent(text):
    once = normalise_name(text)
    assert normalise_name(once) == once


@given(st.text())
def test_normalised_text_has_no_uppercase_accent_or_double_space(text):
    out = normalise_name(text)
    assert out == out.strip() and "  " not in out
    assert not any(unicodedata.combining(c) for c in out)
    assert out.casefold() == out


LETTERS = "abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüçœæÿ"
parts = st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=8), min_size=1, max_size=4)
separators = st.sampled_from([" ", "  ", "-", " - ", "'", "’", ".", ". ", "\t"])


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@given(parts, st.data())
def test_variants_of_a_name_give_the_same_key(words, data):
    reference = normalise_name(" ".join(words))
    seps = [data.draw(separators) for _ in words[1:]]
    variant = words[0] + "".join(sep + word for sep, word in zip(seps, words[1:], strict=True))
    upper = [data.draw(st.booleans()) for _ in variant]
    variant = "".join(c.upper() if up else c for c, up in zip(variant, upper, strict=True))
    if data.draw(st.booleans()):
        variant = _strip_accents(variant)
    if data.draw(st.booleans()):
        variant = unicodedata.normalize("NFD", variant)
    padded = (
        data.draw(st.sampled_from(["", " ", "  "]))
        + variant
        + data.draw(st.sampled_from(["", " "]))
    )
    assert normalise_name(padded) == reference
    born = date(1990, 1, 2)
    assert match_key(padded, "Élodie", born) == match_key(" ".join(words), "ELODIE", born)
