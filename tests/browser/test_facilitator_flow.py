"""In Chromium: the facilitator registers, orients and validates a candidate, then
records a contract; a company typing another company's market URL is refused."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from clauses_service.web.schedule import today
from tests.browser.conftest import log_in


def test_facilitator_orients_validates_and_records_a_contract(page, served, screenshot):
    log_in(page, served, "facilitatrice@example.org")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Tableau de bord"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(page.get_by_test_id("heures-mois")).to_have_text("35,50\u00a0h")
    expect(page.get_by_test_id("heures-annee")).to_have_text("35,50\u00a0h")
    expect(page.get_by_role("link", name="Petit Marc")).to_be_visible()
    screenshot(page, "01-tableau-de-bord")

    page.get_by_role("link", name="Marchés", exact=True).click()
    expect(page.get_by_role("link", name="2025-BTP-01")).to_be_visible()
    screenshot(page, "02-marches")
    page.get_by_role("link", name="2025-BTP-01").click()
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.get_by_test_id("prevu")).to_contain_text("2\u202f000,00\u00a0h")
    screenshot(page, "03-marche")

    # Register: a missing first name is shown next to its field, without JavaScript help.
    page.get_by_role("link", name="Personnes", exact=True).click()
    screenshot(page, "04-personnes")
    page.get_by_role("link", name="Inscrire une personne").click()
    page.get_by_label("Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Date de naissance").fill("12/05/1992")
    page.get_by_label("Sexe").select_option("F")
    page.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.locator("#first_name-error")).to_have_text("Le prénom est obligatoire.")
    expect(page.get_by_label("Prénom")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Prénom").fill("Sarah")
    page.get_by_label("Commune de résidence").fill("Dijon")
    page.get_by_role("button", name="Enregistrer la personne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lefèvre Sarah")
    expect(page.get_by_role("status").first).to_contain_text("Personne enregistrée.")

    page.get_by_role("link", name="Nouvelle orientation").click()
    page.get_by_label("Prescripteur (structure et conseiller)").fill("France Travail Dijon")
    page.get_by_label("Type de prescripteur").select_option("FRANCE_TRAVAIL")
    page.get_by_label("Travaux (BTP)").check()
    page.get_by_role("button", name="Enregistrer l'orientation").click()
    expect(page.get_by_role("status").first).to_contain_text("Orientation enregistrée.")
    expect(page.get_by_text("En attente de décision")).to_be_visible()

    page.get_by_role("link", name="Valider l'éligibilité").click()
    expect(page.get_by_label("Travaux (BTP)")).to_be_checked()  # from the orientation
    page.get_by_label("Demandeur d'emploi de longue durée (12 mois et plus)").check()
    page.get_by_label("Critère du justificatif 1").select_option("DELD")
    page.get_by_label("Document 1").fill("Attestation France Travail")
    page.get_by_label("Date du justificatif 1").fill(today().strftime("%d/%m/%Y"))
    screenshot(page, "05-validation")
    page.get_by_role("button", name="Valider l'éligibilité").click()
    expect(page.get_by_role("status").first).to_contain_text("Éligibilité validée jusqu'au")
    expect(page.get_by_text("Attestation France Travail")).to_be_visible()

    page.get_by_role("link", name="Enregistrer un contrat").click()
    page.get_by_label("Marché et lot").select_option(label="2025-BTP-01 · lot 1 — Lot 1")
    page.get_by_label("SIRET de l'employeur").fill(served.ids["etti"].siret)
    page.get_by_label("Type de contrat").select_option("CTTI")
    page.get_by_label("Modalité").select_option("MISE_A_DISPOSITION")
    page.get_by_role("button", name="Enregistrer le contrat").click()
    # A staff provision needs the user company: the domain's error sits next to that field.
    expect(page.locator("#user_siret-error")).to_contain_text("entreprise utilisatrice")
    page.get_by_label("SIRET de l'entreprise utilisatrice (mise à disposition)").fill(
        served.ids["bati"].siret
    )
    page.get_by_label("Heures par semaine").fill("24,5")
    screenshot(page, "06-contrat")
    page.get_by_role("button", name="Enregistrer le contrat").click()
    expect(page.get_by_role("status").first).to_contain_text("Contrat enregistré.")
    contracts = page.get_by_role("region", name=re.compile("Contrats"))
    expect(contracts).to_contain_text("2025-BTP-01")
    expect(contracts).to_contain_text("CTTI")
    screenshot(page, "07-fiche-personne")


def test_company_typing_another_companys_market_is_refused(page, served, screenshot):
    log_in(page, served, "bati@example.org")
    page.get_by_role("link", name="Mes lots").click()
    expect(page.get_by_role("link", name="2025-BTP-01")).to_be_visible()
    screenshot(page, "08-mes-lots")
    response = page.goto(served.at(f"/marches/{served.ids['other_market']}"))
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    expect(page.get_by_role("alert")).to_contain_text("pas accessible")
    assert "Nettoyage des écoles" not in page.content()
    screenshot(page, "09-refus-entreprise")
    response = page.goto(served.at(f"/entreprises/{served.ids['other'].company_id}"))
    assert response.status == 404
    response = page.goto(served.at("/personnes"))
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
