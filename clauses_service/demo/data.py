"""The demo territory's fixed data (Dijon métropole flavour): buyers, companies, trades,
markets and their lots.

Companies are fictitious (names and SIRETs are made up, the SIRETs only pass the Luhn
checks); buyers are the usual public buyers of the territory. E-mail addresses use the
reserved ``.example`` domain: nothing is ever delivered.

Market dates are offsets in months from the first month of the demo year (see
``territory.py``), so that the demo is always "the last twelve months".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from events.catalog.buyers import BuyerKind
from events.catalog.companies import CompanyKind
from events.catalog.markets import LegalBasis
from events.catalog.sectors import Sector

BTP, SERVICES, PI = Sector.BTP, Sector.SERVICES, Sector.PRESTATIONS_INTELLECTUELLES


# ---- buyers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BuyerSpec:
    name: str
    kind: BuyerKind
    contacts: tuple[str, ...]
    reference: str  # market references: {year}, {yy}, {code} (BTP, SRV, PI), {n}


BUYERS = [
    BuyerSpec(
        "Dijon Métropole",
        BuyerKind.COLLECTIVITE,
        ("clauses.sociales@dijon-metropole.example", "commande.publique@dijon-metropole.example"),
        "{year}-{code}-{n:03d}",
    ),
    BuyerSpec(
        "Ville de Chenôve",
        BuyerKind.COLLECTIVITE,
        ("marches.publics@ville-chenove.example",),
        "VC-{year}-{n:02d}",
    ),
    BuyerSpec(
        "Grand Dijon Habitat",
        BuyerKind.BAILLEUR_SOCIAL,
        ("maitrise.ouvrage@grand-dijon-habitat.example",),
        "GDH-{yy}-{code}-{n:03d}",
    ),
    BuyerSpec(
        "CHU Dijon Bourgogne",
        BuyerKind.HOPITAL,
        ("achats.travaux@chu-dijon.example", "direction.achats@chu-dijon.example"),
        "CHU-{year}-{n:04d}",
    ),
    BuyerSpec(
        "Région Bourgogne-Franche-Comté",
        BuyerKind.COLLECTIVITE,
        ("clauses.sociales@bourgognefranchecomte.example",),
        "BFC-{year}-LYC-{n:02d}",
    ),
]


# ---- companies ------------------------------------------------------------------------
@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    kind: CompanyKind
    siren_body: str  # 8 digits; the key digit and the establishment are added


COMPANIES = [
    CompanySpec("bbc", "Bâtiments de Bourgogne Construction", CompanyKind.ENTREPRISE, "41725836"),
    CompanySpec("menuiseries", "Menuiseries Dijonnaises", CompanyKind.ENTREPRISE, "52039417"),
    CompanySpec(
        "peintures", "Peintures et Décors de Côte-d'Or", CompanyKind.ENTREPRISE, "43981260"
    ),
    CompanySpec(
        "egc", "EGC Bourgogne – Électricité Génie Climatique", CompanyKind.ENTREPRISE, "38460172"
    ),
    CompanySpec("vrb", "Voirie Réseaux Bourgogne", CompanyKind.ENTREPRISE, "49317205"),
    CompanySpec("paysages", "Paysages du Val de Saône", CompanyKind.ENTREPRISE, "50826394"),
    CompanySpec("proprete", "Propreté Services Dijon", CompanyKind.ENTREPRISE, "44270918"),
    CompanySpec(
        "restauration", "Restauration Collective Bourguignonne", CompanyKind.ENTREPRISE, "39152846"
    ),
    CompanySpec("ingenierie", "Ingénierie Conseil Bourgogne", CompanyKind.ENTREPRISE, "81463027"),
    CompanySpec("etti", "Tremplin Intérim Insertion 21", CompanyKind.ETTI, "45609381"),
    CompanySpec("bri", "Bourgogne Recyclage Insertion", CompanyKind.EI, "48721593"),
    CompanySpec("regie", "Régie de quartier Grésilles Services", CompanyKind.EI, "40938157"),
    CompanySpec(
        "aci", "Chantier d'insertion Les Ateliers de la Combe", CompanyKind.ACI, "77915064"
    ),
    CompanySpec("ai", "Association intermédiaire Coup de Main Dijon", CompanyKind.AI, "78364219"),
    CompanySpec("geiq", "GEIQ BTP Côte-d'Or", CompanyKind.GEIQ, "42185730"),
]
COMPANY_BY_KEY = {c.key: c for c in COMPANIES}


# ---- trades: labour share of the amount (DOMAIN.md: painting 70 %, masonry 50 %...) ---
@dataclass(frozen=True)
class Trade:
    label: str
    labour_share: Decimal


TRADES = {
    "gros_oeuvre": Trade("Gros œuvre – maçonnerie", Decimal("0.50")),
    "demolition": Trade("Démolition – désamiantage", Decimal("0.45")),
    "vrd": Trade("Terrassement – voirie et réseaux divers", Decimal("0.35")),
    "menuiserie": Trade("Menuiseries extérieures", Decimal("0.40")),
    "platrerie": Trade("Plâtrerie – isolation – faux plafonds", Decimal("0.60")),
    "peinture": Trade("Peinture – revêtements de sols", Decimal("0.70")),
    "ite": Trade("Isolation thermique par l'extérieur", Decimal("0.55")),
    "electricite": Trade("Électricité – courants forts et faibles", Decimal("0.45")),
    "cvc": Trade("Chauffage – ventilation – plomberie", Decimal("0.40")),
    "charpente": Trade("Charpente métallique – serrurerie", Decimal("0.20")),
    "paysage": Trade("Aménagements paysagers", Decimal("0.55")),
    "espaces_verts": Trade("Entretien des espaces verts", Decimal("0.65")),
    "proprete": Trade("Nettoyage", Decimal("0.80")),
    "restauration": Trade("Restauration collective", Decimal("0.45")),
    "tri": Trade("Tri et valorisation des déchets", Decimal("0.70")),
    "etudes": Trade("Études et assistance", Decimal("0.75")),
}


# ---- markets --------------------------------------------------------------------------
@dataclass(frozen=True)
class LotSpec:
    number: str
    trade: str
    company: str
    amount: int
    rate: str  # insertion rate, a fraction ("0.06")
    cost: int  # loaded hourly cost, €
    manual: bool = False  # the contract fixes a round figure (to the nearest 50 h)
    title: str = ""  # defaults to the trade's label


@dataclass(frozen=True)
class MarketSpec:
    key: str
    buyer: str
    kind: Sector
    number: int
    title: str
    start: int  # months from the first month of the demo year
    months: int
    lots: tuple[LotSpec, ...]
    legal_basis: LegalBasis = LegalBasis.L2112_2
    rules: dict = field(default_factory=dict)  # CountingRules overrides


DM, VC, GDH = "Dijon Métropole", "Ville de Chenôve", "Grand Dijon Habitat"
CHU, BFC = "CHU Dijon Bourgogne", "Région Bourgogne-Franche-Comté"

MARKETS = [
    MarketSpec(
        "dm-champollion",
        DM,
        BTP,
        14,
        "Réhabilitation du groupe scolaire Champollion",
        -1,
        22,
        (
            LotSpec("1", "gros_oeuvre", "bbc", 3_700_000, "0.07", 30, manual=True),
            LotSpec("2", "menuiserie", "menuiseries", 1_050_000, "0.06", 28),
            LotSpec("3", "peinture", "peintures", 780_000, "0.08", 27),
            LotSpec("4", "electricite", "egc", 1_400_000, "0.06", 31),
        ),
    ),
    MarketSpec(
        "dm-drapeau",
        DM,
        BTP,
        21,
        "Requalification de l'avenue du Drapeau : voirie, réseaux et aménagements paysagers",
        0,
        16,
        (
            LotSpec("1", "vrd", "vrb", 5_880_000, "0.05", 29),
            LotSpec("2", "paysage", "paysages", 950_000, "0.08", 27),
        ),
    ),
    MarketSpec(
        "dm-nettoyage",
        DM,
        SERVICES,
        7,
        "Nettoyage et entretien des locaux administratifs de la Métropole",
        -1,
        48,
        (
            LotSpec(
                "1",
                "proprete",
                "proprete",
                4_120_000,
                "0.10",
                26,
                manual=True,
                title="Nettoyage des locaux administratifs",
            ),
        ),
    ),
    MarketSpec(
        "dm-dechetterie",
        DM,
        SERVICES,
        11,
        "Tri et valorisation des encombrants de la déchetterie de Longvic "
        "(marché réservé aux structures d'insertion)",
        1,
        36,
        (LotSpec("1", "tri", "bri", 1_350_000, "0.20", 24),),
        legal_basis=LegalBasis.L2113_12_13,
    ),
    MarketSpec(
        "dm-pcaet",
        DM,
        PI,
        3,
        "Assistance à maîtrise d'ouvrage pour le plan climat-air-énergie territorial",
        2,
        18,
        (
            LotSpec(
                "1",
                "etudes",
                "ingenierie",
                1_680_000,
                "0.05",
                40,
                title="Assistance à maîtrise d'ouvrage",
            ),
        ),
        rules={"training_hours_count": False},
    ),
    MarketSpec(
        "dm-mobilier",
        DM,
        SERVICES,
        19,
        "Entretien et petite maintenance du mobilier urbain et des abribus",
        4,
        36,
        (
            LotSpec(
                "1",
                "proprete",
                "proprete",
                1_200_000,
                "0.12",
                26,
                title="Nettoyage du mobilier urbain",
            ),
            LotSpec(
                "2",
                "peinture",
                "peintures",
                650_000,
                "0.10",
                27,
                title="Petite maintenance et remise en peinture",
            ),
        ),
    ),
    MarketSpec(
        "vc-jules-ferry",
        VC,
        BTP,
        4,
        "Rénovation énergétique de l'école élémentaire Jules Ferry",
        1,
        14,
        (
            LotSpec("1", "ite", "peintures", 1_600_000, "0.06", 28),
            LotSpec("2", "menuiserie", "menuiseries", 720_000, "0.05", 28),
            LotSpec("3", "cvc", "egc", 1_180_000, "0.05", 31),
        ),
    ),
    MarketSpec(
        "vc-mail",
        VC,
        BTP,
        9,
        "Requalification des espaces publics du quartier Le Mail",
        3,
        18,
        (
            LotSpec("1", "vrd", "vrb", 2_800_000, "0.06", 29),
            LotSpec("2", "paysage", "paysages", 650_000, "0.08", 27),
        ),
    ),
    MarketSpec(
        "vc-espaces-verts",
        VC,
        SERVICES,
        2,
        "Entretien des espaces verts communaux",
        -1,
        36,
        (LotSpec("1", "espaces_verts", "paysages", 1_800_000, "0.12", 26),),
    ),
    MarketSpec(
        "vc-restauration",
        VC,
        SERVICES,
        5,
        "Restauration scolaire : fabrication et livraison de repas en liaison froide",
        0,
        48,
        (LotSpec("1", "restauration", "restauration", 7_000_000, "0.05", 27, manual=True),),
    ),
    MarketSpec(
        "gdh-gresilles",
        GDH,
        BTP,
        31,
        "Réhabilitation thermique de 120 logements, résidence Les Grésilles",
        -1,
        24,
        (
            LotSpec("1", "gros_oeuvre", "bbc", 2_450_000, "0.07", 30),
            LotSpec("2", "platrerie", "peintures", 1_350_000, "0.08", 28),
            LotSpec("3", "cvc", "egc", 1_900_000, "0.06", 31),
            LotSpec("4", "electricite", "egc", 980_000, "0.06", 31),
        ),
        rules={"cdi_counted_months": 6},
    ),
    MarketSpec(
        "gdh-fontaine",
        GDH,
        BTP,
        38,
        "Remplacement des menuiseries extérieures, résidence Fontaine-d'Ouche",
        2,
        10,
        (LotSpec("1", "menuiserie", "menuiseries", 1_520_000, "0.06", 28, manual=True),),
    ),
    MarketSpec(
        "gdh-parties-communes",
        GDH,
        SERVICES,
        12,
        "Nettoyage des parties communes du patrimoine",
        -1,
        36,
        (
            LotSpec(
                "1",
                "proprete",
                "proprete",
                2_320_000,
                "0.15",
                25,
                title="Secteur Est (Grésilles, Quetigny)",
            ),
            LotSpec(
                "2",
                "proprete",
                "regie",
                650_000,
                "0.25",
                24,
                title="Secteur Ouest (Fontaine-d'Ouche, Talant)",
            ),
        ),
        rules={"penalty_per_missing_hour": Decimal("50")},
    ),
    MarketSpec(
        "gdh-belvedere",
        GDH,
        BTP,
        40,
        "Démolition et reconstruction de 48 logements, Talant – Le Belvédère",
        -1,
        30,
        (
            LotSpec("1", "demolition", "bbc", 3_120_000, "0.06", 30),
            LotSpec("2", "gros_oeuvre", "bbc", 5_250_000, "0.05", 30, manual=True),
        ),
    ),
    MarketSpec(
        "chu-bocage",
        CHU,
        BTP,
        112,
        "Restructuration du plateau de consultations, bâtiment Bocage central",
        0,
        18,
        (
            LotSpec("1", "platrerie", "peintures", 1_720_000, "0.05", 28),
            LotSpec("2", "electricite", "egc", 2_100_000, "0.05", 31),
            LotSpec("3", "peinture", "peintures", 650_000, "0.07", 27),
        ),
    ),
    MarketSpec(
        "chu-bionettoyage",
        CHU,
        SERVICES,
        87,
        "Bio-nettoyage des circulations, halls et locaux administratifs",
        -1,
        48,
        (
            LotSpec(
                "1",
                "proprete",
                "proprete",
                6_000_000,
                "0.08",
                26,
                manual=True,
                title="Bio-nettoyage",
            ),
        ),
    ),
    MarketSpec(
        "chu-sdi",
        CHU,
        PI,
        140,
        "Assistance à maîtrise d'ouvrage pour le schéma directeur immobilier",
        1,
        24,
        (
            LotSpec(
                "1",
                "etudes",
                "ingenierie",
                1_440_000,
                "0.05",
                40,
                title="Assistance à maîtrise d'ouvrage",
            ),
        ),
    ),
    MarketSpec(
        "bfc-hippolyte-fontaine",
        BFC,
        BTP,
        7,
        "Restructuration des ateliers du lycée Hippolyte Fontaine",
        2,
        20,
        (
            LotSpec("1", "gros_oeuvre", "bbc", 2_620_000, "0.06", 30),
            LotSpec("2", "electricite", "egc", 1_080_000, "0.06", 31),
            LotSpec("3", "peinture", "peintures", 550_000, "0.08", 27),
        ),
    ),
    MarketSpec(
        "bfc-castel",
        BFC,
        PI,
        12,
        "Maîtrise d'œuvre pour la rénovation énergétique du lycée Le Castel",
        -1,
        30,
        (LotSpec("1", "etudes", "ingenierie", 2_040_000, "0.04", 42, title="Maîtrise d'œuvre"),),
    ),
    MarketSpec(
        "bfc-espaces-verts",
        BFC,
        SERVICES,
        15,
        "Entretien des espaces verts des lycées de l'agglomération dijonnaise",
        0,
        36,
        (
            LotSpec(
                "1",
                "espaces_verts",
                "paysages",
                850_000,
                "0.15",
                26,
                title="Lycées du secteur nord",
            ),
            LotSpec(
                "2",
                "espaces_verts",
                "aci",
                450_000,
                "0.30",
                22,
                title="Lycées du secteur sud (lot réservé)",
            ),
        ),
    ),
]


@dataclass(frozen=True)
class AmendmentSpec:
    market: str
    lot: str
    month: int  # months from the first month of the demo year
    reason: str
    extra_amount: int


AMENDMENTS = [
    AmendmentSpec(
        "gdh-belvedere",
        "2",
        7,
        "Avenant n° 1 : fondations spéciales (pieux) après étude de sol complémentaire",
        450_000,
    ),
    AmendmentSpec(
        "gdh-parties-communes",
        "1",
        9,
        "Avenant n° 2 : intégration de trois résidences supplémentaires à Quetigny",
        300_000,
    ),
]
