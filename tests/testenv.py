"""Loaded by pytest before Django starts (see `-p tests.testenv` in pyproject.toml).

The suite runs with DEBUG off, like production, and with test-only values for what a
deployment must set. Values already in the environment win.
"""

import os

TEST_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "SECURE_SSL_REDIRECT": "0",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "EMAIL_URL": "locmem://",
    # One test database and one Redis key space per test run, so that runs side by side
    # (several developers, or a developer and CI on one machine) never touch each other's data.
    "TEST_DATABASE_NAME": f"test_myropo_{os.getpid()}",
    "CACHE_KEY_PREFIX": f"myropo-test-{os.getpid()}",
    "CHANNELS_PREFIX": f"myropo-test-asgi-{os.getpid()}",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "PAYMENTS_SANDBOX": "1",
    # Redis-down tests point at a closed port (refused at once); a loaded machine must not
    # turn a slow read into "Redis is down" mid-test (myropo/settings.py, CACHES).
    "CACHE_REDIS_SOCKET_TIMEOUT_MS": "5000",
}

for key, value in TEST_ENV.items():
    os.environ.setdefault(key, value)

# pytest-xdist workers inherit the controller's environment, so they would share its Redis
# prefixes and clean each other's rate-limit counters mid-test; each worker gets its own.
# (pytest-django already gives each worker its own database.)
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    for key in ("CACHE_KEY_PREFIX", "CHANNELS_PREFIX"):
        if not os.environ[key].endswith(f"-{worker}"):
            os.environ[key] = f"{os.environ[key]}-{worker}"


if __name__ == "__main__":
    # `python -m tests.testenv collectstatic --noinput`: a manage.py command under the test
    # settings (used by `make test` to build the static manifest the DEBUG=0 suite reads).
    import sys

    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")
    execute_from_command_line(["manage.py", *sys.argv[1:]])


# The suite's clock. Every test runs on the same business day, whatever day the machine says, so
# no test can pass in May and fail in December. The clock starts at TEST_NOW and ticks on from
# there (timeouts, rate-limit windows and TOTP steps behave as in real life); a test that needs
# another day travels there itself with time_machine, which nests inside this one.
# MYROPO_TEST_NOW moves the start (e.g. `MYROPO_TEST_NOW=2028-12-01T10:00 make test`): the suite
# must pass on any day, and README's "The suite's clock" shows how to check it (`make test-later`).
DEFAULT_TEST_NOW = "2026-05-13T10:00:00+03:00"


def pytest_configure(config):
    import datetime as dt

    import time_machine

    start = dt.datetime.fromisoformat(os.environ.get("MYROPO_TEST_NOW") or DEFAULT_TEST_NOW)
    if start.tzinfo is None:
        from zoneinfo import ZoneInfo

        start = start.replace(tzinfo=ZoneInfo("Europe/Helsinki"))
    traveller = time_machine.travel(start, tick=True)
    traveller.start()
    config._myropo_clock = traveller


def pytest_unconfigure(config):
    traveller = getattr(config, "_myropo_clock", None)
    if traveller is not None:
        traveller.stop()
