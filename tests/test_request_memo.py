"""The request memo: a table read once per request, never stale for the request that wrote it."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from collection.models import ReferenceRate
from collection.selectors import reference_rates
from myropo.request_memo import RequestMemoMiddleware

pytestmark = pytest.mark.django_db


def in_a_request(view):
    """Runs `view` inside the middleware, as Django runs a view, and returns what it saw."""
    seen = {}

    def get_response(request):
        seen["result"] = view()
        return HttpResponse()

    RequestMemoMiddleware(get_response)(RequestFactory().get("/"))
    return seen["result"]


def test_a_request_reads_the_rate_table_once():
    def view():
        with CaptureQueriesContext(connection) as queries:
            first, second = reference_rates(), reference_rates()
        return first, second, len(queries)

    first, second, count = in_a_request(view)
    assert first == second and len(first) == 1
    assert count == 1


def test_outside_a_request_every_read_asks_the_database():
    with CaptureQueriesContext(connection) as queries:
        reference_rates()
        reference_rates()
    assert len(queries) == 2


def test_a_request_that_writes_a_rate_reads_its_own_change():
    def view():
        before = reference_rates()
        ReferenceRate.objects.create(start=date(2026, 7, 1), end=date(2026, 12, 31), rate=D("2.25"))
        after = reference_rates()
        ReferenceRate.objects.filter(start=date(2026, 7, 1)).get().delete()
        return before, after, reference_rates()

    before, after, deleted = in_a_request(view)
    assert len(before) == 1
    assert [rate.rate for rate in after] == [before[0].rate, D("2.25")]
    assert deleted == before


def test_the_memo_ends_with_the_request():
    in_a_request(reference_rates)
    ReferenceRate.objects.create(start=date(2026, 7, 1), end=date(2026, 12, 31), rate=D("2.25"))
    assert len(in_a_request(reference_rates)) == 2
