"""The ``clauses`` command, for operators. Errors are one French line, never a traceback."""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import UTC

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from clauses_service.domain.errors import DomainError
from events.errors import EventStoreError
from projections.runner import UnknownProjection


class CliError(click.ClickException):
    """A one-line French error on stderr, exit code 1."""

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True, file=file)


class _Group(click.Group):
    """Turns the named errors of the service into one clear line and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (EventStoreError, UnknownProjection, DomainError) as exc:
            raise CliError(exc.message) from None
        except OperationalError as exc:
            detail = str(exc.orig).strip().splitlines()[0]
            if any(word in detail for word in ("no such", "does not exist", "n'existe pas")):
                raise CliError(
                    f"Schéma de base de données incomplet ({detail}) : "
                    "lancez « clauses db upgrade »."
                ) from None
            raise CliError(f"Base de données injoignable : {detail}") from None
        except SQLAlchemyError as exc:
            first = str(exc).strip().splitlines()[0]
            raise CliError(
                f"Erreur de base de données : {first} — le schéma est-il à jour "
                "(« clauses db upgrade ») ?"
            ) from None


def _app():
    from clauses_service import create_app

    return create_app()


def _services():
    from clauses_service.extensions import services

    return services(_app())


@click.group(cls=_Group, help="Service de suivi des clauses sociales d'insertion.")
def main() -> None:
    pass


# ---- db ---------------------------------------------------------------------------------
@main.group(cls=_Group, help="Schéma de la base de données.")
def db() -> None:
    pass


@db.command("upgrade", help="Crée ou met à jour le schéma (migrations Alembic).")
def db_upgrade() -> None:
    from clauses_service import db as migrations

    svc = _services()
    migrations.upgrade(svc.engine)
    svc.projections.prepare()
    click.echo(f"Schéma à jour (révision {migrations.current_revision(svc.engine)}).")


@db.command("current", help="Affiche la révision du schéma.")
def db_current() -> None:
    from clauses_service import db as migrations

    engine = _services().engine
    click.echo(
        f"{migrations.current_revision(engine) or 'aucune'} "
        f"(dernière : {migrations.head_revision(engine)})"
    )


# ---- serve ------------------------------------------------------------------------------
@main.command(help="Lance le serveur de développement (http://127.0.0.1:5000).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-upgrade", is_flag=True, help="Ne pas mettre le schéma à jour avant.")
def serve(host: str, port: int, no_upgrade: bool) -> None:
    from clauses_service import db as migrations

    app = _app()
    svc = app.extensions["clauses"]
    if not no_upgrade:
        migrations.upgrade(svc.engine)
        svc.projections.prepare()
    click.echo(f"Service des clauses sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    app.run(host=host, port=port, debug=False, use_reloader=False)


# ---- users -----------------------------------------------------------------------------
@main.group(cls=_Group, help="Comptes utilisateurs.")
def users() -> None:
    pass


@users.command("create", help="Crée un compte (mot de passe demandé, ou lu sur l'entrée).")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["facilitator", "company", "buyer", "plie", "admin"]),
    help="facilitator, company, buyer, plie ou admin.",
)
@click.option("--name", "display_name", default="", help="Nom affiché.")
@click.option("--siret", "sirets", multiple=True, help="SIRET représenté (rôle company).")
@click.option("--buyer", "buyer_ids", multiple=True, help="Id du donneur d'ordre (rôle buyer).")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
def users_create(email, role, display_name, sirets, buyer_ids, password_stdin) -> None:
    from clauses_service.auth import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    with _services().engine.begin() as conn:
        user = accounts.create_user(
            conn, email, password, role, display_name, sirets=sirets, buyer_ids=buyer_ids
        )
    click.echo(f"Compte créé : {user.email} ({user.role.label}).")


@users.command("token", help="Crée un jeton d'API pour un compte (affiché une seule fois).")
@click.argument("email")
@click.option("--name", default="cli", show_default=True)
def users_token(email: str, name: str) -> None:
    from sqlalchemy import select

    from clauses_service.auth import accounts
    from events.schema import users as users_table

    with _services().engine.begin() as conn:
        user_id = conn.execute(
            select(users_table.c.user_id).where(users_table.c.email == email.strip().lower())
        ).scalar()
        if user_id is None:
            raise CliError(f"Aucun compte pour {email}.")
        click.echo(accounts.issue_token(conn, user_id, name))


@users.command("list", help="Liste les comptes.")
def users_list() -> None:
    from clauses_service.auth import accounts

    with _services().engine.connect() as conn:
        for user in accounts.list_users(conn):
            state = "actif" if user.active else "désactivé"
            click.echo(f"{user.email}  {user.role.label}  {state}")


# ---- demo ------------------------------------------------------------------------------
@main.command(help="Remplit un territoire de démonstration (sans effet s'il existe déjà).")
def demo() -> None:
    from clauses_service import demo as demo_data

    store = _services().store
    count = demo_data.load(store)
    click.echo(f"Démonstration : {count} événement(s) ajouté(s).")
    for email in demo_data.load_accounts(store):
        click.echo(f"Compte de démonstration : {email} (mot de passe {demo_data.DEMO_PASSWORD})")


# ---- projections ------------------------------------------------------------------------
@main.group(cls=_Group, help="Projections (tables de lecture).")
def projections() -> None:
    pass


def _print_counts(verb: str, done: dict[str, int]) -> None:
    for name, count in done.items():
        click.echo(f"{name} : {count} événement(s) {verb}")


@projections.command("run", help="Rattrape les projections depuis leur point de reprise.")
@click.argument("names", nargs=-1)
@click.option("--follow", is_flag=True, help="Continue à suivre le journal (Ctrl+C pour arrêter).")
@click.option("--interval", default=1.0, show_default=True, help="Secondes entre deux passes.")
def projections_run(names: tuple[str, ...], follow: bool, interval: float) -> None:
    runner = _services().projections
    _print_counts("appliqué(s)", runner.run_once(names))
    if follow:
        stop = threading.Event()
        try:
            runner.follow(stop, interval, names, lambda d: _print_counts("appliqué(s)", d))
        except KeyboardInterrupt:
            stop.set()


@projections.command("rebuild", help="Reconstruit des projections depuis le début du journal.")
@click.argument("names", nargs=-1)
def projections_rebuild(names: tuple[str, ...]) -> None:
    runner = _services().projections
    started = time.perf_counter()
    done = runner.rebuild(names)
    _print_counts("rejoué(s)", done)
    click.echo(f"Reconstruction terminée en {time.perf_counter() - started:.2f} s.")


@projections.command("status", help="Point de reprise de chaque projection.")
def projections_status() -> None:
    for row in _services().projections.status():
        state = "à jour" if row["up_to_date"] else "en retard"
        mode = "en ligne" if row["inline"] else "différée"
        click.echo(
            f"{row['name']} v{row['version']} ({mode}) : position {row['position']}, {state}"
        )


# ---- events -----------------------------------------------------------------------------
@main.group(cls=_Group, help="Journal d'événements.")
def events() -> None:
    pass


def _format(recorded, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "position": recorded.position,
                "event_id": str(recorded.event_id),
                "recorded_at": recorded.recorded_at.isoformat(),
                "stream_type": recorded.stream_type,
                "stream_id": recorded.stream_id,
                "stream_version": recorded.stream_version,
                "event_type": recorded.event_type,
                "schema_version": recorded.schema_version,
                "metadata": recorded.metadata,
            },
            ensure_ascii=False,
        )
    at = recorded.recorded_at.astimezone(UTC).strftime("%d/%m/%Y %H:%M:%S")
    actor = recorded.metadata.get("actor", "-")
    return (
        f"{recorded.position:>8}  {at} UTC  {recorded.event_type} v{recorded.schema_version}  "
        f"{recorded.stream_type}/{recorded.stream_id} #{recorded.stream_version}  par {actor}"
    )


@events.command("tail", help="Affiche les derniers événements enregistrés.")
@click.option("-n", "count", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--follow", "-f", is_flag=True, help="Affiche les nouveaux événements au fil de l'eau."
)
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par événement.")
@click.option("--interval", default=1.0, show_default=True)
def events_tail(count: int, follow: bool, as_json: bool, interval: float) -> None:
    store = _services().store
    head = store.head_position()
    # Positions may have gaps (rolled-back writes): step back until we have enough.
    after = max(0, head - count)
    recent = store.read_all(after=after, limit=count)
    while len(recent) < count and after > 0:
        after = max(0, after - count)
        recent = store.read_all(after=after, limit=10_000)[-count:]
    for recorded in recent:
        click.echo(_format(recorded, as_json))
    if not recent:
        click.echo("Le journal est vide.", err=True)
    last = recent[-1].position if recent else head
    try:
        while follow:
            time.sleep(interval)
            for page in store.iter_all(after=last):
                for recorded in page:
                    click.echo(_format(recorded, as_json))
                last = page[-1].position
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass


from clauses_service.cli_import import import_file  # noqa: E402

main.add_command(import_file)

from clauses_service.cli_scheduler import scheduler_command  # noqa: E402

main.add_command(scheduler_command)

from clauses_service.cli_report import report  # noqa: E402

main.add_command(report)


if __name__ == "__main__":
    main()
