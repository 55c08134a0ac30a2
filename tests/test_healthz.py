"""/healthz: the load balancer's probe of the database, Redis and the Celery broker."""

import json

import pytest
from django.test import Client

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_healthz_answers_ok_when_everything_is_up():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "celery_broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_naming_redis_when_redis_is_unreachable(settings):
    settings.REDIS_URL = CLOSED_PORT
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["detail"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["celery_broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_when_the_broker_is_unreachable(settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT
    response = Client().get("/healthz")
    assert response.status_code == 503
    checks = json.loads(response.content)["checks"]
    assert checks["celery_broker"]["ok"] is False
    assert checks["redis"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_fast_to_fail(settings):
    settings.REDIS_URL = CLOSED_PORT
    settings.CELERY_BROKER_URL = CLOSED_PORT
    checks = json.loads(Client().get("/healthz").content)["checks"]
    assert checks["redis"]["ms"] < 1000
    assert checks["celery_broker"]["ms"] < 1000


def test_healthz_reports_a_broken_database_without_raising():
    from myropo.health import check_database

    class BrokenConnection:
        def cursor(self):
            raise ConnectionError("database is down")

    result = check_database(BrokenConnection())
    assert result["ok"] is False
    assert result["detail"] == "ConnectionError"


def test_healthz_does_not_redirect_to_https_behind_a_plain_http_probe(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/help/").status_code == 301
    assert Client().get("/healthz").status_code == 200
