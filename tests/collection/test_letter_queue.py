"""Letters are rendered by workers of their own (issue 16 item 4).

A day's cycle queues tens of thousands of CPU-bound PDFs; on the shared queue mails and
imports would wait behind them.
"""

from types import SimpleNamespace

from django.test import override_settings

from myropo.celery import app, letters_worker_concurrency


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_the_letter_task_goes_to_the_letters_queue():
    assert queue_of("invoices.tasks.render_letter") == "letters"


def test_tasks_not_routed_stay_on_the_default_queue():
    assert queue_of("myropo.tasks.send_pending_tasks") == "default"


@override_settings(LETTER_WORKER_CONCURRENCY=5)
def test_a_letters_worker_takes_its_concurrency_from_the_settings():
    conf = SimpleNamespace(worker_concurrency=None)

    letters_worker_concurrency(conf=conf, options={"queues": ["letters"]})

    assert conf.worker_concurrency == 5


@override_settings(LETTER_WORKER_CONCURRENCY=5)
def test_a_worker_of_other_queues_keeps_its_own_concurrency():
    for queues in (["default"], ["default", "letters"], None):
        conf = SimpleNamespace(worker_concurrency=None)

        letters_worker_concurrency(conf=conf, options={"queues": queues})

        assert conf.worker_concurrency is None
