"""Header row detection and mapping to canonical columns."""

from __future__ import annotations

import pytest

from importers.errors import FileRejected
from importers.headers import COLUMNS, canonical_for, header_error, search_header
from importers.normalize import header_key

TEMPLATE = [spec.label for spec in COLUMNS.values() if spec.name != "person_id"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("SIRET employeur", "employer_siret"),
        ("N° SIRET", "employer_siret"),
        ("siret", "employer_siret"),
        ("Siret de l'employeur", "employer_siret"),
        ("Siret de l’employeur", "employer_siret"),
        ("Référence marché", "market_reference"),
        ("REFERENCE MARCHE", "market_reference"),
        ("Réf. marché", "market_reference"),
        ("N° marché", "market_reference"),
        ("Marché", "market_reference"),
        ("Lot", "lot"),
        ("N° lot", "lot"),
        ("Nom", "last_name"),
        ("Nom de famille", "last_name"),
        ("Prénom", "first_name"),
        ("PRENOM", "first_name"),
        ("Date de naissance", "birth_date"),
        ("Date naissance", "birth_date"),
        ("Né(e) le", "birth_date"),
        ("Date de naissance (JJ/MM/AAAA)", "birth_date"),
        ("Type de contrat", "contract_type"),
        ("Contrat", "contract_type"),
        ("Début contrat", "contract_start"),
        ("Date de début", "contract_start"),
        ("Début du contrat", "contract_start"),
        ("Fin contrat", "contract_end"),
        ("Date de fin", "contract_end"),
        ("Fin du contrat", "contract_end"),
        ("Mois", "month"),
        ("Période", "month"),
        ("Mois concerné", "month"),
        ("Heures travaillées", "hours"),
        ("Heures travaillées (h)", "hours"),
        ("Nb heures", "hours"),
        ("Heures réalisées", "hours"),
        ("Nombre d'heures", "hours"),
        ("Heures", "hours"),
        ("  heures\ntravaillées * ", "hours"),
        ("Dont heures de formation", "training_hours"),
        ("Heures de formation", "training_hours"),
        ("Dont formation", "training_hours"),
        ("Commentaire", "comment"),
        ("Observations", "comment"),
        ("Identifiant personne", "person_id"),
        ("Relevé mensuel des heures", None),
        ("Total ligne", None),
        ("", None),
        (None, None),
        (12, None),
    ],
)
def test_header_synonyms_ignoring_case_accents_spaces_and_punctuation(header, expected):
    assert canonical_for(header) == expected


def test_every_label_and_synonym_maps_back_to_its_column():
    for spec in COLUMNS.values():
        for text in (spec.label, *spec.synonyms):
            assert canonical_for(text) == spec.name, text


def test_header_key():
    assert header_key("Né(e) le") == header_key("NE LE") == "nele"
    assert header_key(" N° SIRET ") == "nsiret"


def test_header_found_below_title_rows():
    rows = [
        (1, ["Relevé mensuel des heures d'insertion", None, None]),
        (2, ["Entreprise : Bâtiment SAS"]),
        (3, []),
        (4, [*TEMPLATE, "Total ligne"]),
        (5, ["73282932000074", "M1", "1", "Dupont"]),
    ]
    search = search_header(rows)
    mapping = search.mapping
    assert mapping is not None
    assert mapping.row_number == 4
    assert mapping.columns["employer_siret"] == 0
    assert mapping.columns["comment"] == 12
    assert mapping.ignored == ("Total ligne",)
    assert mapping.labels["hours"] == "Heures travaillées"


def test_columns_in_any_order_with_synonyms_and_offset():
    header = [
        None,
        "Nom de famille",
        "Prénom",
        "Né(e) le",
        "N° SIRET",
        "Marché",
        "Période",
        "Nb heures",
    ]
    mapping = search_header([(7, header)]).mapping
    assert mapping.row_number == 7
    assert mapping.columns == {
        "last_name": 1,
        "first_name": 2,
        "birth_date": 3,
        "employer_siret": 4,
        "market_reference": 5,
        "month": 6,
        "hours": 7,
    }
    assert mapping.label("birth_date") == "Né(e) le"
    assert mapping.label("comment") == "Commentaire"


def test_person_id_replaces_the_identity_columns():
    header = ["Identifiant personne", "SIRET", "Réf. marché", "Mois", "Heures"]
    assert search_header([(1, header)]).mapping is not None


def test_missing_required_columns_error_names_them_and_lists_headers_found():
    header = ["SIRET employeur", "Nom", "Prénom", "Mois", "Remarque libre"]
    search = search_header([(3, header)])
    assert search.mapping is None
    error = header_error(search, "Heures", 20)
    assert error.message == (
        "Colonnes obligatoires manquantes dans la feuille « Heures » : « Référence marché », "
        "« Date de naissance », « Heures travaillées » (la personne est reconnue par "
        "« Identifiant personne » ou par nom, prénom et date de naissance). En-têtes trouvés "
        "ligne 3 : « SIRET employeur », « Nom », « Prénom », « Mois », « Remarque libre ». "
        "Ajoutez ou renommez ces colonnes puis déposez le fichier à nouveau."
    )


def test_one_missing_column_is_singular():
    header = [label for label in TEMPLATE if label != "Mois"]
    error = header_error(search_header([(1, header)]), None, 20)
    assert error.message.startswith("Colonne obligatoire manquante dans le fichier : « Mois ».")


def test_no_header_at_all():
    search = search_header([(1, ["Bonjour"]), (2, ["Nom", "Prénom"])])
    assert search.mapping is None
    message = header_error(search, "Feuil1", 20).message
    assert message.startswith(
        "Aucune ligne d'en-tête reconnue dans les 20 premières lignes de la feuille « Feuil1 »."
    )
    assert "« SIRET employeur », « Référence marché »" in message


def test_two_columns_for_one_canonical_name_is_an_error():
    header = [*TEMPLATE, "Nb heures"]
    with pytest.raises(FileRejected) as caught:
        search_header([(2, header)])
    assert caught.value.message == (
        "Ligne d'en-tête 2 : les colonnes « Heures travaillées » et « Nb heures » désignent toutes "
        "la colonne « Heures travaillées » ; gardez-en une seule puis déposez le fichier à nouveau."
    )


def test_the_row_naming_most_columns_wins():
    rows = [(1, ["Nom", "Prénom", "Mois", "Heures"]), (2, TEMPLATE)]
    assert search_header(rows).mapping.row_number == 2
