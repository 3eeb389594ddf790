"""In Chromium: a company downloads its pre-filled template, fills it, adds a row for a
person nobody registered, uploads it, reads the error and downloads the error workbook;
typing the address of another company's import gets the refusal page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from clauses_service.web.imports import last_month
from clauses_service.web.schedule import today as paris_today
from events.catalog.contracts import Modality
from importers.pipeline import run_import
from tests.browser.conftest import log_in
from tests.importers.builders import TEMPLATE_HEADERS, good_row, xlsx_bytes
from tests.support.territory import Territory

HEADER_ROW = 4  # of the template (importers.template.HEADER_ROW)
UNKNOWN = "aucune personne enregistrée sous « Inconnu Inès »"


def _fill(template_path, out_path) -> None:
    """Hours on the pre-filled row; a copy of it for a person nobody registered."""
    workbook = load_workbook(template_path)
    sheet = workbook["Relevé"]
    header = [cell.value for cell in sheet[HEADER_ROW]]
    column = {name: index + 1 for index, name in enumerate(header) if name}
    first = HEADER_ROW + 1
    assert sheet.cell(first, column["Nom"]).value == "Garcia"
    assert sheet.cell(first + 1, column["Nom"]).value is None  # one running contract
    sheet.cell(first, column["Heures travaillées"]).value = 35
    for index in column.values():
        sheet.cell(first + 1, index).value = sheet.cell(first, index).value
    sheet.cell(first + 1, column["Nom"]).value = "Inconnu"
    sheet.cell(first + 1, column["Identifiant personne"]).value = None
    workbook.save(out_path)


def _own_employee(served) -> None:
    """A person Bâti Dijon employs itself on its lot (the seed's worker is an ETTI's)."""
    t = Territory(served.app.extensions["clauses"].store, now=datetime.now(UTC))
    start = date(paris_today().year - 1, 1, 1)
    person = t.person("Garcia", "Inès", date(1991, 5, 3))
    t.validate(person, validated_on=start)
    t.contract(
        person,
        served.ids["bati"],
        served.ids["market"],
        served.ids["lot"],
        start + timedelta(days=10),
        modality=Modality.EMBAUCHE_DIRECTE,
    )


def test_company_uploads_a_relevé_with_a_bad_row_and_gets_the_error_workbook(
    page, served, screenshot, tmp_path
):
    _own_employee(served)
    log_in(page, served, "bati@example.org")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Déclarer mes heures"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer mes heures")
    screenshot(page, "10-declarer-mes-heures")

    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Modèle pré-rempli de .* — Bâti Dijon")).click()
    template = info.value
    month = last_month()
    assert template.suggested_filename == (
        f"releve-heures-{served.ids['bati'].siret}-{month:%Y-%m}.xlsx"
    )
    template_path = tmp_path / "modele.xlsx"
    template.save_as(template_path)
    filled = tmp_path / "releve-rempli.xlsx"
    _fill(template_path, filled)

    page.get_by_label("Fichier du relevé (XLSX, ODS ou CSV)").set_input_files(str(filled))
    with page.expect_request(lambda r: r.method == "POST") as sent:
        page.get_by_role("button", name="Déposer le relevé").click()
    assert sent.value.resource_type == "xhr"  # upload.js sent it, with its progress bar
    page.wait_for_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Résultat du dépôt « releve-rempli.xlsx »"
    )
    expect(page.locator("#count-accepted")).to_have_text("1")
    expect(page.locator("#count-rejected")).to_have_text("1")
    rejected = page.locator("#rejected-rows")
    expect(rejected).to_contain_text("Nom")
    expect(rejected).to_contain_text(UNKNOWN)
    screenshot(page, "11-resultat-depot")

    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le fichier des erreurs (XLSX)").click()
    assert info.value.suggested_filename == "releve-rempli-erreurs.xlsx"
    errors_path = tmp_path / "erreurs.xlsx"
    info.value.save_as(errors_path)
    sheet = load_workbook(errors_path)["Erreurs"]
    header = [cell.value for cell in sheet[3]]
    assert header[0] == "Ligne" and header[-1] == "Erreur"
    line = [cell.value for cell in sheet[4]]
    assert line[0] == HEADER_ROW + 2 and line[header.index("Nom")] == "Inconnu"
    assert UNKNOWN in line[-1]
    assert sheet.cell(4, header.index("Nom") + 1).fill.fgColor.rgb == "FFFFC7CE"
    assert sheet.max_row == 4  # the accepted row has nothing to fix

    page.get_by_role("link", name="Déclarer mes heures", exact=True).click()
    expect(page.get_by_role("link", name="releve-rempli.xlsx")).to_be_visible()


def test_company_typing_another_companys_import_is_refused(page, served, screenshot):
    other = served.ids["other"]
    data = xlsx_bytes(
        [TEMPLATE_HEADERS, good_row(**{"SIRET employeur": other.siret, "Nom": "Secret"})]
    )
    result = run_import(
        served.app.extensions["clauses"].store,
        data,
        "releve-propreté.xlsx",
        "seed",
        company_id=other.company_id,
        allowed_company_ids=frozenset({str(other.company_id)}),
    )
    log_in(page, served, "bati@example.org")
    for path in (f"/imports/{result['import_id']}", f"/imports/{result['import_id']}/erreurs.xlsx"):
        response = page.goto(served.at(path))
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        expect(page.get_by_role("alert")).to_contain_text("pas accessible")
        assert "releve-propreté" not in page.content() and "Secret" not in page.content()
    screenshot(page, "12-refus-import-autre-entreprise")


def test_the_upload_form_works_without_javascript(browser, served, tmp_path):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, served, "bati@example.org")
        page.goto(served.at("/declarer-mes-heures"))
        empty = tmp_path / "vide.xlsx"
        empty.write_bytes(b"")
        page.get_by_label("Fichier du relevé (XLSX, ODS ou CSV)").set_input_files(str(empty))
        with page.expect_request(lambda r: r.method == "POST") as sent:
            page.get_by_role("button", name="Déposer le relevé").click()
        assert sent.value.resource_type == "document"
        expect(page.locator("#file-error")).to_contain_text("vide")
        relevé = tmp_path / "releve-sans-js.xlsx"
        row = good_row(**{"SIRET employeur": served.ids["bati"].siret, "Nom": "Personne"})
        relevé.write_bytes(xlsx_bytes([TEMPLATE_HEADERS, row]))
        page.get_by_label("Fichier du relevé (XLSX, ODS ou CSV)").set_input_files(str(relevé))
        page.get_by_role("button", name="Déposer le relevé").click()
        page.wait_for_url(re.compile(r"/imports/[0-9a-f-]{36}$"))
        expect(page.locator("#count-rows")).to_have_text("1")
    finally:
        context.close()


def test_facilitator_links_the_right_person_in_the_review_queue(page, served, screenshot):
    store = served.app.extensions["clauses"].store
    t = Territory(store, now=datetime.now(UTC))
    person = t.person("Moreau", "Léon", date(1993, 8, 14))
    t.validate(person, validated_on=date(paris_today().year - 1, 1, 2))
    month = last_month()
    row = good_row(
        **{
            "SIRET employeur": served.ids["bati"].siret,
            "Référence marché": "2025-BTP-01",
            "Nom": "Moreaux",
            "Prénom": "Léon",
            "Date de naissance": "14/08/1993",
            "Début contrat": f"{date(paris_today().year - 1, 2, 1):%d/%m/%Y}",
            "Fin contrat": "",
            "Mois": f"{month:%m/%Y}",
            "Heures travaillées": "42",
        }
    )
    result = run_import(
        store,
        xlsx_bytes([TEMPLATE_HEADERS, row]),
        "releve-faute-de-frappe.xlsx",
        "bati@example.org",
        company_id=served.ids["bati"].company_id,
        allowed_company_ids=frozenset({str(served.ids["bati"].company_id)}),
    )
    assert result["counts"]["rejected"] == 1
    log_in(page, served, "facilitatrice@example.org")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Imports"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Imports de relevés")
    expect(page.get_by_role("link", name="releve-faute-de-frappe.xlsx")).to_be_visible()
    screenshot(page, "13-imports-du-mois")
    page.get_by_role("link", name="ouvrir la file des lignes à corriger").click()
    key = f"ligne-{result['import_id']}-2"
    article = page.locator(f"#{key}")
    expect(article).to_contain_text("aucune personne enregistrée sous « Moreaux Léon »")
    article.get_by_label("Chercher une personne").fill("Moreau")
    article.get_by_role("button", name="Chercher").click()
    article = page.locator(f"#{key}")
    article.get_by_label("Rattacher à la personne").select_option(str(person))
    screenshot(page, "14-file-a-corriger")
    article.get_by_role("button", name="Corriger et accepter la ligne 2").click()
    expect(page.get_by_role("status").first).to_contain_text("Ligne 2 corrigée : acceptée")
    expect(page.locator(f"#{key}")).to_have_count(0)
