"""Array literals bound as parameters mean exactly the lists they were made from."""

import pytest
from django.db import connection

from myropo.sqlarrays import int_array, text_array

NASTY = ["", "NULL", "a,b", "{x}", 'say "hi"', "back\\slash", " spaced ", "ääkkönen €", '\\"']


@pytest.mark.django_db
def test_a_text_array_comes_back_element_for_element():
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [text_array(NASTY)])
        assert [row[0] for row in cursor.fetchall()] == NASTY


@pytest.mark.django_db
def test_an_int_array_comes_back_element_for_element():
    ids = [1, 42, -7, 9_000_000_000]
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::bigint[])", [int_array(ids)])
        assert [row[0] for row in cursor.fetchall()] == ids


def test_an_int_array_takes_only_integers():
    with pytest.raises(ValueError):
        int_array(["1} OR {2"])


@pytest.mark.django_db
def test_empty_arrays_are_empty():
    with connection.cursor() as cursor:
        cursor.execute("SELECT cardinality(%s::bigint[]), cardinality(%s::text[])",
                       [int_array([]), text_array([])])  # fmt: skip
        assert cursor.fetchone() == (0, 0)
