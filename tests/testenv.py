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
    "CACHE_KEY_PREFIX": "myropo-test",
    "CHANNELS_PREFIX": "myropo-test-asgi",
    "CELERY_TASK_ALWAYS_EAGER": "1",
}

for key, value in TEST_ENV.items():
    os.environ.setdefault(key, value)
