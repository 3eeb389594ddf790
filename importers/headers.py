"""Finding the header row of a sheet and mapping its columns to canonical names.

The mapping is explicit: ``COLUMNS`` gives, for each canonical column, the
template's French header first, then its synonyms. Headers are compared with
``normalize.header_key`` (case, accents, spaces, punctuation and parenthesised
notes ignored). To accept a new spelling, add it to the synonyms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from importers.errors import FileRejected
from importers.normalize import collapse_spaces, header_key


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    name: str
    label: str
    synonyms: tuple[str, ...] = ()

    def match_keys(self) -> set[str]:
        return {header_key(text) for text in (self.label, *self.synonyms)}


COLUMNS: dict[str, ColumnSpec] = {
    spec.name: spec
    for spec in (
        ColumnSpec(
            "employer_siret",
            "SIRET employeur",
            (
                "N° SIRET",
                "SIRET",
                "Siret de l'employeur",
                "N° SIRET employeur",
                "SIRET de l'entreprise",
            ),
        ),
        ColumnSpec(
            "market_reference",
            "Référence marché",
            ("Réf. marché", "N° marché", "Marché", "Référence du marché", "Numéro de marché"),
        ),
        ColumnSpec("lot", "Lot", ("N° lot", "Numéro de lot")),
        ColumnSpec("last_name", "Nom", ("Nom de famille", "Nom du salarié", "Nom de naissance")),
        ColumnSpec("first_name", "Prénom", ("Prénom du salarié", "Prénoms")),
        ColumnSpec("birth_date", "Date de naissance", ("Date naissance", "Né(e) le", "Né le")),
        ColumnSpec("contract_type", "Type de contrat", ("Contrat", "Nature du contrat")),
        ColumnSpec(
            "contract_start",
            "Début contrat",
            ("Date de début", "Début du contrat", "Date de début du contrat", "Date début contrat"),
        ),
        ColumnSpec(
            "contract_end",
            "Fin contrat",
            ("Date de fin", "Fin du contrat", "Date de fin du contrat", "Date fin contrat"),
        ),
        ColumnSpec("month", "Mois", ("Période", "Mois concerné", "Mois de réalisation")),
        ColumnSpec(
            "hours",
            "Heures travaillées",
            (
                "Nb heures",
                "Heures réalisées",
                "Nombre d'heures",
                "Heures",
                "Nombre d'heures travaillées",
                "Nb heures travaillées",
            ),
        ),
        ColumnSpec(
            "training_hours",
            "Dont heures de formation",
            ("Heures de formation", "Dont formation", "Nb heures de formation"),
        ),
        ColumnSpec("comment", "Commentaire", ("Observations", "Remarques", "Commentaires")),
        ColumnSpec(
            "person_id", "Identifiant personne", ("Id personne", "Identifiant de la personne")
        ),
    )
}

# Columns that must be present whatever the file. The person is identified by
# ``person_id`` or by name, first name and birth date (see IDENTITY_COLUMNS).
ALWAYS_REQUIRED = ("employer_siret", "market_reference", "month", "hours")
IDENTITY_COLUMNS = ("last_name", "first_name", "birth_date")

_KEY_TO_COLUMN: dict[str, str] = {}
for _spec in COLUMNS.values():
    for _key in _spec.match_keys():
        if _key in _KEY_TO_COLUMN:  # pragma: no cover - guards edits of COLUMNS
            raise RuntimeError(f"header synonym {_key!r} maps to two columns")
        _KEY_TO_COLUMN[_key] = _spec.name


def canonical_for(header: Any) -> str | None:
    """Canonical column name of one header cell, or None when unknown."""
    if header is None:
        return None
    text = header if isinstance(header, str) else str(header)
    key = header_key(text)
    return _KEY_TO_COLUMN.get(key) if key else None


@dataclass(frozen=True, slots=True)
class HeaderMapping:
    """The header row found and what each of its columns means."""

    row_number: int  # 1-based, as the user sees it
    columns: dict[str, int]  # canonical name -> 0-based column index
    labels: dict[str, str]  # canonical name -> header as written in the file
    ignored: tuple[str, ...] = field(default=())  # headers of unknown columns

    def label(self, name: str) -> str:
        return self.labels.get(name) or COLUMNS[name].label


@dataclass(frozen=True, slots=True)
class _Candidate:
    row_number: int
    cells: tuple[Any, ...]
    matched: dict[str, list[int]]

    @property
    def score(self) -> int:
        return len(self.matched)


def _candidate(row_number: int, cells: Sequence[Any]) -> _Candidate:
    matched: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        name = canonical_for(cell)
        if name:
            matched.setdefault(name, []).append(index)
    return _Candidate(row_number, tuple(cells), matched)


def missing_required(names: set[str] | dict[str, Any]) -> list[str]:
    missing = [name for name in ALWAYS_REQUIRED if name not in names]
    if "person_id" not in names:
        missing += [name for name in IDENTITY_COLUMNS if name not in names]
    # Keep the template's order so the message reads like the template.
    return [name for name in COLUMNS if name in missing]


def _header_text(cell: Any) -> str:
    return collapse_spaces(cell if isinstance(cell, str) else str(cell))


def _mapping(candidate: _Candidate) -> HeaderMapping:
    for name, indexes in candidate.matched.items():
        if len(indexes) > 1:
            shown = " et ".join(f"« {_header_text(candidate.cells[i])} »" for i in indexes)
            raise FileRejected(
                f"Ligne d'en-tête {candidate.row_number} : les colonnes {shown} désignent "
                f"toutes la colonne « {COLUMNS[name].label} » ; gardez-en une seule puis "
                "déposez le fichier à nouveau."
            )
    columns = {name: indexes[0] for name, indexes in candidate.matched.items()}
    labels = {name: _header_text(candidate.cells[i]) for name, i in columns.items()}
    known = set(columns.values())
    ignored = tuple(
        _header_text(cell)
        for index, cell in enumerate(candidate.cells)
        if index not in known and cell not in (None, "") and _header_text(cell)
    )
    return HeaderMapping(candidate.row_number, columns, labels, ignored)


@dataclass(frozen=True, slots=True)
class HeaderSearch:
    """Outcome of the search in one sheet: the mapping, or the best partial row."""

    mapping: HeaderMapping | None
    best: _Candidate | None

    @property
    def score(self) -> int:
        return self.best.score if self.best else 0


# A row naming fewer known columns than this is a title or data, not a header.
MIN_HEADER_MATCHES = 3


def search_header(rows: Sequence[tuple[int, Sequence[Any]]]) -> HeaderSearch:
    """Find the header among ``rows`` (row number, cells): the first row with the
    most known column names, provided it names at least MIN_HEADER_MATCHES."""
    best: _Candidate | None = None
    for row_number, cells in rows:
        candidate = _candidate(row_number, cells)
        if candidate.score and (best is None or candidate.score > best.score):
            best = candidate
    if best is None or best.score < MIN_HEADER_MATCHES:
        return HeaderSearch(None, best)
    if missing_required(best.matched):
        return HeaderSearch(None, best)
    return HeaderSearch(_mapping(best), best)


def template_headers() -> str:
    return ", ".join(f"« {spec.label} »" for spec in COLUMNS.values() if spec.name != "person_id")


def header_error(search: HeaderSearch, sheet: str | None, limit: int) -> FileRejected:
    """The file-level error when no sheet has a usable header row."""
    where = f"la feuille « {sheet} »" if sheet else "le fichier"
    best = search.best
    if best is None or best.score < MIN_HEADER_MATCHES:
        return FileRejected(
            f"Aucune ligne d'en-tête reconnue dans les {limit} premières lignes de {where}. "
            f"La ligne d'en-tête doit contenir les colonnes {template_headers()} ; "
            "utilisez le modèle fourni ou renommez vos colonnes."
        )
    missing = missing_required(best.matched)
    names = ", ".join(f"« {COLUMNS[name].label} »" for name in missing)
    found = ", ".join(
        f"« {_header_text(cell)} »"
        for cell in best.cells
        if cell not in (None, "") and _header_text(cell)
    )
    plural = "s" if len(missing) > 1 else ""
    identity = ""
    if set(missing) & set(IDENTITY_COLUMNS):
        identity = (
            " (la personne est reconnue par « Identifiant personne » ou par nom, prénom "
            "et date de naissance)"
        )
    return FileRejected(
        f"Colonne{plural} obligatoire{plural} manquante{plural} dans {where} : {names}{identity}. "
        f"En-têtes trouvés ligne {best.row_number} : {found}. "
        "Ajoutez ou renommez ces colonnes puis déposez le fichier à nouveau."
    )
