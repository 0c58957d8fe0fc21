# The desk's one image: gunicorn (web), Celery worker and beat run from it with different commands
# (see docker-compose.yml). Settings come from the environment: support_desk.settings.production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=support_desk.settings.production

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. psycopg2-binary bundles libpq.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image (served by WhiteNoise). The production settings need a
# secret and hosts to load at all; these build-time values are not used by the running container.
RUN SECRET_KEY=build-only-dummy-secret-key-not-used-at-run-time-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# An unprivileged user owns only what it writes: var/ (beat schedule, local fallbacks) and the uploads.
# /metrics holds the Prometheus metric files of the web and worker processes (docker-compose.yml
# mounts one volume there for both; a new volume takes this folder's owner).
RUN useradd --create-home --uid 10001 desk \
    && mkdir -p /app/var /data/media /metrics \
    && chown -R desk:desk /app/var /data/media /metrics
USER desk

EXPOSE 8000
# Workers, threads, timeouts, keep-alive and the access log (with the request id): gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "support_desk.wsgi"]
