"""Web pages (French). One blueprint per surface; this one is the home page."""

from flask import Blueprint, render_template_string

from clauses_service.extensions import services
from projections import queries

bp = Blueprint("web", __name__)

HOME = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clauses d'insertion</title></head>
<body><main>
<h1>Suivi des clauses sociales d'insertion</h1>
<p>Le service fonctionne. Journal : {{ head }} événement(s) enregistré(s).</p>
<h2>Donneurs d'ordre</h2>
{% if buyers %}<ul>{% for b in buyers %}<li>{{ b.name }} ({{ b.kind_label }})</li>{% endfor %}</ul>
{% else %}<p>Aucun donneur d'ordre enregistré pour l'instant.</p>{% endif %}
<p><a href="/healthz">État du service</a></p>
</main></body></html>"""


@bp.get("/")
def home():
    from events.catalog.buyers import BuyerKind

    svc = services()
    with svc.store.reading() as conn:
        buyers = queries.list_buyers(conn)
    for buyer in buyers:
        buyer["kind_label"] = BuyerKind(buyer["kind"]).label
    return render_template_string(HOME, head=svc.store.head_position(), buyers=buyers)
