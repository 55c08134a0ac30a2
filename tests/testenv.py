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
}

for key, value in TEST_ENV.items():
    os.environ.setdefault(key, value)


if __name__ == "__main__":
    # `python -m tests.testenv collectstatic --noinput`: a manage.py command under the test
    # settings (used by `make test` to build the static manifest the DEBUG=0 suite reads).
    import sys

    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "myropo.settings")
    execute_from_command_line(["manage.py", *sys.argv[1:]])
