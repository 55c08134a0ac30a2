"""Years of real collection, checked against the statute: it must find no unlawful act.

The daily `run_collection_cycle`, online and bank payments, due-date transfers, payment plans,
disputes and stop requests run through the real services on PostgreSQL, day by day with the
clock travelled (tests.lawcheck.simulation); then the independent law checker
(tests.lawcheck.checker) reads every invoice's history. A failure prints the seed, the
violations by rule and the first of them with invoice, date and section; rerun one with
LAWCHECK_SEED=<seed>, or longer with bench/law_simulation.py.
"""

import os

import pytest

from tests.lawcheck.simulation import simulate

SEED = int(os.environ.get("LAWCHECK_SEED", "20261201"))


@pytest.fixture(autouse=True)
def _no_letter_rendering(monkeypatch):
    """Letters' PDFs are rendered by their own tests; here their rows and dates count."""
    from tests.lawcheck.simulation import _World

    monkeypatch.setattr(_World().cycle, "queue_letters", lambda ids: None)


@pytest.mark.django_db
def test_years_of_collection_break_no_rule_of_the_statute():
    result = simulate(seed=SEED, years=3.5, invoices=60)
    if report := os.environ.get("LAWCHECK_REPORT"):
        with open(report, "w") as out:
            out.write(result.summary(limit=100_000) + "\n\n" + result.examples())
    assert result.counts["step reminder_1"] > 0, "the simulation took no collection step"
    for act in (
        "online payment",
        "bank payment",
        "payment plan",
        "due-date transfer",
        "dispute",
        "stop request",
        "payment report hold",
    ):
        assert result.counts[act] > 0, f"the simulation never did: {act}"
    assert result.violations == [], result.summary()
