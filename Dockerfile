# The clauses service behind gunicorn. Set CLAUSES_DATABASE_URL to a PostgreSQL URL
# (postgresql://user:password@host/db) for a real deployment; without it the service
# uses a SQLite file in /data (mount a volume there).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLAUSES_VAR_DIR=/data

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin clauses \
    && mkdir -p /data && chown clauses:clauses /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY clauses_service ./clauses_service
COPY events ./events
COPY projections ./projections
COPY importers ./importers
RUN pip install .

USER clauses
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# Migrate (idempotent), then serve.
CMD ["sh", "-c", "clauses db upgrade && exec gunicorn --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile - clauses_service.wsgi:app"]
