FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
      gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN python manage.py compilemessages --ignore=.venv -v 0 \
    && SECRET_KEY=build-only-0123456789012345678901234567890123 python manage.py collectstatic --noinput -v 0
EXPOSE 8000
# One process per core (WEB_CONCURRENCY, read by uvicorn), uvloop and httptools: README "The web server".
CMD ["uvicorn", "myropo.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "off", "--loop", "uvloop", "--http", "httptools", "--no-access-log"]
