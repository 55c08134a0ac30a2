"""/healthz: the load balancer's probe of the database, Redis and the Celery broker."""

import json

import pytest
from django.test import Client

CLOSED_PORT = "redis://127.0.0.1:1/0"


def rate_for_this_half_year() -> None:
    from django.utils import timezone

    from collection.models import ReferenceRate
    from collection.rate_gaps import half_year_of

    start, end = half_year_of(timezone.localdate())
    ReferenceRate.objects.get_or_create(start=start, defaults={"end": end, "rate": "2.50"})


@pytest.mark.django_db
def test_healthz_answers_ok_when_everything_is_up():
    rate_for_this_half_year()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "celery_broker", "reference_rate"}
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


@pytest.mark.django_db
def test_healthz_is_degraded_but_up_while_this_half_year_has_no_reference_rate():
    import time_machine

    from collection.models import ReferenceRate

    ReferenceRate.objects.all().delete()
    ReferenceRate.objects.create(start="2026-01-01", end="2026-06-30", rate="2.50")
    with time_machine.travel("2026-12-01 10:00 +02:00", tick=False):
        body = json.loads(Client().get("/healthz").content)
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["reference_rate"] == {
        "ok": False,
        "ms": body["checks"]["reference_rate"]["ms"],
        "detail": "no reference rate for H2/2026",
    }
    ReferenceRate.objects.create(start="2026-07-01", end="2026-12-31", rate="2.25")
    with time_machine.travel("2026-12-01 10:00 +02:00", tick=False):
        assert json.loads(Client().get("/healthz").content)["status"] == "ok"
