"""The demo's people data: names, communes of the métropole and their QPV quarters,
prescribers, PLIE referents, evidence documents, refusal and exit wordings.

Everything is fictitious; names are drawn from common French surnames and first names.
"""

from __future__ import annotations

from events.catalog.people import EligibilityCriterion as C
from events.catalog.people import PrescriberKind as P


def _words(text: str) -> list[str]:
    return text.split()


LAST_NAMES = [
    *_words(
        """
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel
Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François
Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Masson
Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour Meunier Brun Blanchard Giraud Joly
Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Colin
Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Bourgeois
Guillot Hubert Berger Carpentier Moulin Jacquet Poirier Guyot Carré Maillard Bailly
Prévost Perrot Besson Jobard Lamblot Vachet Bouchard Ménétrier Gevrey Bourgeon
Benali Haddad Bensaïd Diallo Traoré Nguyen Yilmaz Ferreira Rodrigues Kaya Cissé Mendy
Bouzid Amrani Belkacem Koné Camara Öztürk
"""
    ),
    "Da Silva",
    "Dos Santos",
    "Le Gall",
]

FIRST_NAMES = {
    # (sex, generation): young people were born less than 32 years before the demo year.
    ("F", "young"): _words(
        "Léa Camille Manon Chloé Sarah Inès Emma Laura Océane Mélissa Kelly Jessica "
        "Amandine Élodie Yasmina Mariama Fatoumata Linh Ana Lina Maëlle Justine"
    ),
    ("F", "older"): _words(
        "Nathalie Sandrine Isabelle Stéphanie Céline Aurélie Sophie Valérie Christine "
        "Fatima Samira Aïcha Nadia Karima Monique Sylvie Martine Catherine Véronique Corinne"
    ),
    ("M", "young"): _words(
        "Lucas Hugo Théo Nathan Enzo Louis Kevin Anthony Dylan Jordan Maxime "
        "Mehdi Yacine Sofiane Bilal Moussa Ibrahima Emre Thanh Rayan Killian Quentin"
    ),
    ("M", "older"): _words(
        "Julien Nicolas Sébastien Mickaël David Christophe Frédéric Laurent Thierry "
        "Pascal Patrick Philippe Karim Mohamed Mamadou Mustafa João Rui Jérôme Gilles Alain "
        "Didier Jean-Pierre Bernard"
    ),
}

# Communes of Dijon métropole, with a weight (how many people of the demo live there).
COMMUNES = [
    ("Dijon", 60),
    ("Chenôve", 18),
    ("Talant", 9),
    ("Longvic", 9),
    ("Quetigny", 8),
    ("Chevigny-Saint-Sauveur", 6),
    ("Saint-Apollinaire", 5),
    ("Fontaine-lès-Dijon", 4),
    ("Marsannay-la-Côte", 4),
    ("Plombières-lès-Dijon", 3),
    ("Sennecey-lès-Dijon", 2),
    ("Neuilly-Crimolois", 2),
    ("Ahuy", 1),
    ("Daix", 1),
    ("Ouges", 1),
    ("Fénay", 1),
    ("Perrigny-lès-Dijon", 1),
]

# QPV quarters by commune, and the share of the commune's people who live in one.
QPV = {
    "Dijon": (("Dijon – Grésilles", "Dijon – Fontaine-d'Ouche"), 0.38),
    "Chenôve": (("Chenôve – Le Mail",), 0.7),
    "Longvic": (("Longvic – Bief du Moulin",), 0.5),
    "Talant": (("Talant – Le Belvédère",), 0.5),
    "Quetigny": (("Quetigny – Centre",), 0.35),
}

PLIE_REFERENTS = ["Nadia Haddad", "Julien Moreau", "Claire Petitjean", "Thomas Guillot"]

# Prescribers: (kind, names to choose from, weight).
PRESCRIBERS = [
    (P.PLIE_REFERENT, [f"PLIE du Grand Dijon – {name}" for name in PLIE_REFERENTS], 28),
    (
        P.FRANCE_TRAVAIL,
        [
            "France Travail – agence Dijon Drapeau",
            "France Travail – agence Dijon Clemenceau",
            "France Travail – agence de Chenôve",
        ],
        25,
    ),
    (P.MISSION_LOCALE, ["Mission locale de l'arrondissement de Dijon"], 14),
    (P.ETTI, ["Tremplin Intérim Insertion 21"], 6),
    (P.GEIQ, ["GEIQ BTP Côte-d'Or"], 4),
    (P.ARIQ_BTP, ["ARIQ BTP Bourgogne-Franche-Comté"], 3),
    (P.CAP_EMPLOI, ["Cap emploi 21"], 4),
    (P.CCAS, ["CCAS de Chenôve", "CCAS de Dijon"], 4),
    (P.ASSOCIATION, ["Croix-Rouge française – Dijon", "Secours catholique – Dijon"], 4),
    (P.CONSEIL_REGIONAL, ["Conseil régional Bourgogne-Franche-Comté"], 2),
    (P.AUTRE, ["AFPA Dijon-Longvic"], 2),
    (P.CANDIDATURE_SPONTANEE, ["Candidature spontanée"], 4),
]

# Evidence kept for each criterion: (document, how many days before the validation at most).
EVIDENCE = {
    C.DELD: ("Attestation de situation France Travail (inscription de plus de 12 mois)", 40),
    C.DETLD: ("Attestation de situation France Travail (inscription de plus de 24 mois)", 40),
    C.BRSA: ("Attestation de droits CAF (RSA)", 60),
    C.ASS_AAH: ("Attestation de paiement ASS", 60),
    C.RQTH: ("Notification de la MDPH (RQTH)", 900),
    C.JEUNE: ("Attestation de suivi de la Mission locale (contrat d'engagement jeune)", 60),
    C.SENIOR: ("Attestation de situation France Travail", 40),
    C.QPV: ("Justificatif de domicile (facture d'énergie)", 120),
    C.IAE: ("Attestation d'éligibilité au parcours IAE", 200),
    C.GEIQ: ("Attestation d'entrée en parcours GEIQ", 30),
    C.AVIS_MOTIVE: ("Avis motivé du prescripteur", 20),
}

REFUSAL_TEXTS = {
    "AUTRE": [
        "Déménagement hors de la métropole avant le démarrage",
        "Ne remplit aucun critère d'éligibilité (en emploi en CDI)",
    ],
}

PLIE_EXIT_REASONS = [
    "Sortie positive : CDI obtenu",
    "Fin de parcours (30 mois)",
    "Abandon du parcours",
    "Sortie positive : formation qualifiante",
]

EXIT_DETAILS = {
    "CDI": "Embauché en CDI par l'entreprise",
    "CDD_6_MOIS_PLUS": "CDD de 8 mois dans le secteur",
    "FORMATION_QUALIFIANTE": "Entrée en formation qualifiante (titre professionnel)",
    "CREATION_ENTREPRISE": "Création d'une micro-entreprise",
}
