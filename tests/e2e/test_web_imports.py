"""Import pages through the Flask test client: a company downloads its templates, uploads
its relevé (good, bad, the same again, hostile, too big, without CSRF token), reads the
result and the error workbook; another company gets 404s; the facilitator lists the
month's imports and fixes or dismisses rejected rows in place."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clauses_service.auth import accounts
from projections import queries
from tests.conftest import SQL_BACKENDS
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_web_pages import csrf_of, login, text_of
from tests.importers.builders import TEMPLATE_HEADERS, good_row, xlsx_bytes
from tests.importers.pipeline_support import build_world

pytestmark = pytest.mark.parametrize("backend", SQL_BACKENDS)
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "spreadsheets"
NEGATIVE = "Heures travaillées : « -3 » est négatif ; indiquez un nombre d'heures positif ou nul."
RED = "FFFFC7CE"


@pytest.fixture
def world(app, territory):
    return build_world(app.extensions["clauses"].store, attach=False)


def relevé() -> bytes:
    """Row 2 good (Dupont, 151,67 h in 03/2024), row 3 negative hours (Martin)."""
    return xlsx_bytes(
        [
            TEMPLATE_HEADERS,
            good_row(),
            good_row(
                Nom="Martin",
                Prénom="Hélène",
                **{"Date de naissance": "16/03/1985", "Heures travaillées": "-3"},
            ),
        ]
    )


def upload(client, data: bytes, name: str = "releve-mars.xlsx", token: bool = True):
    form = {"file": (io.BytesIO(data), name)}
    if token:
        form["csrf_token"] = csrf_of(text_of(client.get("/declarer-mes-heures")))
    return client.post("/declarer-mes-heures", data=form, content_type="multipart/form-data")


def import_id_of(response) -> str:
    assert response.status_code == 303, text_of(response)[:2000]
    found = re.fullmatch(r"/imports/([0-9a-f-]{36})(\?deja=1)?", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def figure(page: str, name: str) -> str:
    return re.search(rf'id="count-{name}">([^<]+)<', page).group(1)


def login_as(app, email: str):
    client = app.test_client()
    page = text_of(client.get("/connexion"))
    response = client.post(
        "/connexion", data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 302
    return client


def imports_count(app) -> int:
    with app.extensions["clauses"].store.reading() as conn:
        return queries.list_imports(conn)[1]


# ---- the company portal ---------------------------------------------------------------------
def test_a_company_uploads_its_relevé_and_reads_its_result(app, world):
    client = login(app, "company")
    page = text_of(client.get("/declarer-mes-heures?mois=2024-03"))
    assert "<h1>Déclarer mes heures</h1>" in page
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    assert "Modèle pré-rempli de mars 2024 — Bâtiment Dijon SAS" in page
    assert 'aria-current="page">Déclarer mes heures<' in page

    data = relevé()  # built once: openpyxl stamps the time in the file
    import_id = import_id_of(upload(client, data))
    result = text_of(client.get(f"/imports/{import_id}"))
    assert "Résultat du dépôt « releve-mars.xlsx »" in result
    assert (figure(result, "rows"), figure(result, "accepted")) == ("2", "1")
    assert (figure(result, "warnings"), figure(result, "rejected")) == ("0", "1")
    rejected = result.split('id="rejected-rows"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", rejected.split("<tbody>", 1)[1])
    assert cells == ["3", "Heures travaillées", NEGATIVE, "En attente"]
    assert "déjà été importé" not in result
    assert f'href="/imports/{import_id}/erreurs.xlsx"' in result

    # The same file again: nothing changes, the page says when it was first imported.
    again = upload(client, data, "copie.xlsx")
    assert again.headers["Location"] == f"/imports/{import_id}?deja=1"
    repeat = text_of(client.get(again.headers["Location"]))
    assert re.search(r"Ce fichier a déjà été importé le \d\d/\d\d/\d{4} à \d\d:\d\d", repeat)
    assert imports_count(app) == 1

    history = text_of(client.get("/mes-imports"))
    assert history.count(f'href="/imports/{import_id}"') == 1 and "À corriger" in history


def test_the_error_workbook_has_the_erreur_column_and_red_cells(app, world):
    client = login(app, "company")
    import_id = import_id_of(upload(client, relevé()))
    response = client.get(f"/imports/{import_id}/erreurs.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("releve-mars-erreurs.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Erreurs"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    header = list(rows[0])
    assert header[0] == "Ligne" and header[-1] == "Erreur"
    assert header[1:-1] == TEMPLATE_HEADERS
    assert len(rows) == 2  # the rejected row only: the accepted one has nothing to fix
    line = dict(zip(header, rows[1], strict=True))
    assert (line["Ligne"], line["Nom"], line["Heures travaillées"]) == (3, "Martin", "-3")
    assert line["Erreur"] == NEGATIVE
    hours = sheet.cell(row=4, column=header.index("Heures travaillées") + 1)
    assert hours.fill.fgColor.rgb == RED
    assert sheet.cell(row=4, column=header.index("Nom") + 1).fill.fgColor.rgb != RED


def test_templates_prefilled_for_the_company_and_blank(app, world):
    client = login(app, "company")
    import_id_of(upload(client, relevé()))  # Dupont's contract starts with this import
    response = client.get("/declarer-mes-heures/modele.xlsx?mois=2024-03")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(
        "releve-heures-73282932000074-2024-03.xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.data))["Relevé"]
    values = [list(r) for r in sheet.iter_rows(min_row=5, max_row=6, values_only=True)]
    assert values[0][:5] == ["73282932000074", "M2023-001", "1", "Dupont", "Jean"]
    assert values[1][0] is None  # one running contract: one pre-filled row
    blank = client.get("/declarer-mes-heures/modele-vierge.xlsx?mois=2024-03")
    assert blank.status_code == 200
    rows = list(load_workbook(io.BytesIO(blank.data))["Relevé"].iter_rows(min_row=5))
    assert all(cell.value is None for row in rows for cell in row)
    other = client.get(f"/declarer-mes-heures/modele.xlsx?entreprise={world.other.company_id}")
    assert other.status_code == 404


def test_another_company_cannot_see_the_import_or_its_error_workbook(app, world):
    import_id = import_id_of(upload(login(app, "company"), relevé()))
    with app.extensions["clauses"].engine.begin() as conn:
        accounts.create_user(
            conn, "facades@example.org", PASSWORD, "company", sirets=[world.other.siret]
        )
    rival = login_as(app, "facades@example.org")
    page = rival.get(f"/imports/{import_id}")
    assert page.status_code == 404
    assert "Import introuvable : il n'existe pas ou ne vous est pas accessible." in text_of(page)
    assert rival.get(f"/imports/{import_id}/erreurs.xlsx").status_code == 404
    assert import_id not in text_of(rival.get("/mes-imports"))
    assert import_id not in text_of(rival.get("/declarer-mes-heures"))
    assert rival.get("/imports").status_code == 403  # the facilitator's list
    fix = rival.post(
        f"/imports/{import_id}/lignes/3/corriger",
        data={
            "csrf_token": csrf_of(text_of(rival.get("/declarer-mes-heures"))),
            "value_hours": "1",
        },
    )
    assert fix.status_code == 403


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("vide.xlsx", b"", "Le fichier est vide"),
        ("pdf_renomme.xlsx", None, ""),
        ("protege_motdepasse.xlsx", None, ""),
        ("notes.txt", b"\x00\x01\x02binaire", ""),
    ],
)
def test_a_hostile_file_gets_a_french_message_on_the_form(app, world, name, data, message):
    data = (FIXTURES / name).read_bytes() if data is None else data
    response = upload(login(app, "company"), data, name)
    assert response.status_code == 422
    page = text_of(response)
    error = re.search(r'<span class="error" id="file-error">([^<]+)</span>', page)
    assert error, page[:3000]
    assert error.group(1).startswith(message) and len(error.group(1)) > 20
    assert "Traceback" not in page and "<h1>Déclarer mes heures</h1>" in page
    assert imports_count(app) == 0


def test_a_file_too_big_gets_the_form_back_with_a_413(app, world):
    app.config["IMPORT_MAX_UPLOAD_BYTES"] = 100_000
    response = upload(login(app, "company"), b"0" * 300_000)
    assert response.status_code == 413
    assert (
        "Fichier trop volumineux : au plus 97 Ko par dépôt ; découpez le relevé en plusieurs "
        "fichiers." in text_of(response)
    )
    just_over = upload(login(app, "company"), b"0" * 120_000)
    assert just_over.status_code == 413
    assert "Le fichier pèse 0.1 Mo, au-delà de la limite" in text_of(just_over)
    assert imports_count(app) == 0


def test_an_upload_without_csrf_token_or_without_file_is_refused(app, world):
    client = login(app, "company")
    bare = upload(client, relevé(), token=False)
    assert bare.status_code == 400
    assert "Le formulaire a expiré ou n'est pas valide" in text_of(bare)
    token = csrf_of(text_of(client.get("/declarer-mes-heures")))
    empty = client.post("/declarer-mes-heures", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "Choisissez le fichier du relevé à déposer." in text_of(empty)
    assert imports_count(app) == 0


# ---- the facilitator ------------------------------------------------------------------------
def facilitator_with_queue(app):
    """Bâtiment Dijon's relevé: row 2 good, 3 negative hours, 4 an unknown person."""
    data = xlsx_bytes(
        [
            TEMPLATE_HEADERS,
            good_row(),
            good_row(
                Nom="Martin",
                Prénom="Hélène",
                **{"Date de naissance": "16/03/1985", "Heures travaillées": "-3"},
            ),
            good_row(Nom="Lefevr", Prénom="Zoé", **{"Date de naissance": "01/07/1990"}),
        ]
    )
    import_id = import_id_of(upload(login(app, "company"), data))
    return login(app, "facilitator"), import_id


def test_the_facilitator_lists_the_months_imports_with_their_status(app, world):
    client, import_id = facilitator_with_queue(app)
    page = text_of(client.get("/imports?mois=2024-03"))
    assert "<h1>Imports de relevés — mars 2024</h1>" in page
    row = re.search(
        rf'<tr>\s*<td>[^<]+</td>\s*<td><a href="/imports/{import_id}">.*?</tr>', page, re.S
    )
    assert row, page[:3000]
    cells = re.findall(r"<td[^>]*>(?:<[^>]+>)?([^<]*)", row.group(0))
    assert cells[1:] == [
        "releve-mars.xlsx",
        "Bâtiment Dijon SAS",
        "company@example.org",
        "3",
        "1",
        "0",
        "2",
        "2",
        "À corriger",
    ]
    assert "2 ligne(s) rejetée(s)" in page and 'aria-current="page">Imports<' in page
    assert "Aucun import pour février 2024." in text_of(client.get("/imports?mois=2024-02"))
    assert text_of(client.get("/imports?mois=n-importe-quoi")).count("<h1>") == 1


def test_the_facilitator_fixes_a_value_in_place_and_sees_a_refusal_next_to_the_field(app, world):
    client, import_id = facilitator_with_queue(app)
    queue = text_of(client.get("/imports/a-corriger?mois=2024-03"))
    assert "2 ligne(s) en attente." in queue
    key = f"ligne-{import_id}-3"
    assert f'id="{key}"' in queue and NEGATIVE in queue
    assert f'id="{key}-hours" name="value_hours" value="-3"' in queue
    path = f"/imports/{import_id}/lignes/3/corriger"
    token = csrf_of(queue)
    refused = client.post(
        path, data={"csrf_token": token, "f_mois": "2024-03", "value_hours": "-5"}
    )
    assert refused.status_code == 422
    page = text_of(refused)
    error = re.search(rf'<span class="error" id="{key}-hours-error">([^<]+)</span>', page)
    assert error and error.group(1).startswith("Heures travaillées : « -5 » est négatif")
    assert f'id="{key}-hours" name="value_hours" value="-5"' in page  # what was typed stays
    fixed = client.post(path, data={"csrf_token": token, "f_mois": "2024-03", "value_hours": "35"})
    assert (
        fixed.status_code == 303 and fixed.headers["Location"] == "/imports/a-corriger?mois=2024-03"
    )
    after = text_of(client.get(fixed.headers["Location"]))
    assert "Ligne 3 corrigée : acceptée, ses heures sont enregistrées." in after
    assert "1 ligne(s) en attente." in after and f'id="{key}"' not in after
    with app.extensions["clauses"].store.reading() as conn:
        row = queries.get_import_row(conn, import_id, 3)
        progress = queries.lot_progress(conn, world.m1_lot1)
    assert (row["queue"], str(row["hours"])) == ("fixed", "35.00")
    assert str(progress["counted_hours"]) == "186.67"  # 151,67 h (row 2) + 35 h


def test_the_facilitator_links_the_right_person_or_dismisses_the_row(app, world):
    client, import_id = facilitator_with_queue(app)
    key = f"ligne-{import_id}-4"
    queue = text_of(client.get("/imports/a-corriger?mois=tous"))
    assert f'id="{key}-person"' in queue
    searched = text_of(client.get(f"/imports/a-corriger?mois=tous&ligne={key}&q=Lef%C3%A8vre"))
    person = str(world.lefevre)
    assert f'<option value="{person}">Lefèvre Zoé — né(e) le 01/07/1990</option>' in searched
    token = csrf_of(searched)
    dismiss = f"/imports/{import_id}/lignes/3/ecarter"
    no_reason = client.post(dismiss, data={"csrf_token": token, "f_mois": "tous", "motif": " "})
    assert no_reason.status_code == 422
    motif = re.search(rf'id="{key[:-1]}3-motif-error">([^<]+)<', text_of(no_reason))
    assert motif and motif.group(1) == "Indiquez pourquoi cette ligne est écartée."
    gone = client.post(
        dismiss, data={"csrf_token": token, "f_mois": "tous", "motif": "Doublon du relevé d'avril"}
    )
    assert gone.status_code == 303
    linked = client.post(
        f"/imports/{import_id}/lignes/4/corriger",
        data={"csrf_token": token, "f_mois": "tous", "person_id": person},
    )
    assert linked.status_code == 303, text_of(linked)[:3000]
    assert "Aucune ligne rejetée en attente" in text_of(client.get("/imports/a-corriger?mois=tous"))
    with app.extensions["clauses"].store.reading() as conn:
        found = queries.get_import(conn, import_id)
        row = queries.get_import_row(conn, import_id, 4)
    assert (found["status"], found["fixed"], found["dismissed"]) == ("complete", 1, 1)
    assert row["person_id"] == person
    result = text_of(client.get(f"/imports/{import_id}"))
    # The fixed row counts now (accepted); the dismissed one stays rejected, marked so.
    assert "1 ligne(s) corrigée(s) par le facilitateur, 1 écartée(s)" in result
    rejected = result.split('id="rejected-rows"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<th scope="row"[^>]*>(\d+)</th>', rejected) == ["3"]
    assert "Écartée" in rejected


def test_a_fix_without_anything_or_with_a_bad_person_is_refused(app, world):
    client, import_id = facilitator_with_queue(app)
    token = csrf_of(text_of(client.get("/imports/a-corriger")))
    path = f"/imports/{import_id}/lignes/4/corriger"
    nothing = client.post(path, data={"csrf_token": token})
    assert nothing.status_code == 422
    assert "Choisissez la personne à rattacher ou corrigez au moins une valeur." in text_of(nothing)
    bad = client.post(path, data={"csrf_token": token, "person_id": "pas-un-identifiant"})
    assert bad.status_code == 422
    assert "Choisissez une personne de la liste." in text_of(bad)
    assert client.post(path, data={"person_id": str(world.lefevre)}).status_code == 400  # no CSRF
    assert (
        client.post(
            f"/imports/{import_id}/lignes/2/corriger", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_a_row_with_a_warning_is_shown_and_rebuilt_in_the_error_workbook(app, world):
    client = login(app, "company")
    data = xlsx_bytes([TEMPLATE_HEADERS, good_row(**{"Heures travaillées": "160"})])
    import_id = import_id_of(upload(client, data))
    result = text_of(client.get(f"/imports/{import_id}"))
    assert (figure(result, "accepted"), figure(result, "warnings")) == ("0", "1")
    warning = re.search(
        r'id="warning-rows".*?<th scope="row" class="num">2</th><td>([^<]+)</td>', result, re.S
    )
    assert warning, result[:4000]
    sheet = load_workbook(io.BytesIO(client.get(f"/imports/{import_id}/erreurs.xlsx").data))
    rows = list(sheet["Erreurs"].iter_rows(min_row=3, values_only=True))
    line = dict(zip(rows[0], rows[1], strict=True))
    assert warning.group(1) == (
        "La personne totalise 160,00 h en mars 2024 (sur ce contrat), au-delà de 151,67 h "
        "(temps plein) : heures supplémentaires à vérifier."
    )
    assert line["Erreur"] == f"Avertissement : {warning.group(1)}"
    # Accepted rows keep no cells in the log: the row is rebuilt from what was recorded.
    assert [line[h] for h in TEMPLATE_HEADERS[:5]] == [
        "73282932000074",
        "M2023-001",
        "1",
        "Dupont",
        "Jean",
    ]
    assert line["Date de naissance"].date() == date(1985, 3, 15)
    assert line["Début contrat"].date() == date(2023, 1, 2)
    assert (line["Type de contrat"], line["Mois"], line["Heures travaillées"]) == (
        "CDDI (CDD d'insertion)",
        "03/2024",
        "160,00",
    )
    hours = sheet["Erreurs"].cell(row=4, column=TEMPLATE_HEADERS.index("Heures travaillées") + 2)
    assert hours.fill.fgColor.rgb == "FFFFEB9C"  # the row in orange, nothing in red


def test_an_account_with_two_establishments_chooses_one_of_its_own(app, world):
    with app.extensions["clauses"].engine.begin() as conn:
        accounts.create_user(
            conn,
            "groupe@example.org",
            PASSWORD,
            "company",
            sirets=[world.company.siret, world.other.siret],
        )
    client = login_as(app, "groupe@example.org")
    page = text_of(client.get("/declarer-mes-heures?mois=2024-03"))
    assert page.count("Modèle pré-rempli de mars 2024") == 2
    assert f'<option value="{world.other.company_id}">' in page
    row = good_row(
        Nom="Nguyen",
        Prénom="Van Anh",
        **{
            "SIRET employeur": world.other.siret,
            "Référence marché": "M2023-003",
            "Date de naissance": "01/02/1995",
        },
    )
    data = xlsx_bytes([TEMPLATE_HEADERS, row])

    def post(company_id):
        token = csrf_of(text_of(client.get("/declarer-mes-heures")))
        form = {"csrf_token": token, "company_id": str(company_id)}
        form["file"] = (io.BytesIO(data), "releve-facades.xlsx")
        return client.post("/declarer-mes-heures", data=form, content_type="multipart/form-data")

    outside = post(world.etti.company_id)
    assert outside.status_code == 422
    error = 'id="company_id-error">Choisissez l\'un de vos établissements dans la liste.<'
    assert error in text_of(outside)
    assert imports_count(app) == 0
    import_id = import_id_of(post(world.other.company_id))
    result = text_of(client.get(f"/imports/{import_id}"))
    assert "Façades de Bourgogne (SIRET" in result and figure(result, "accepted") == "1"
