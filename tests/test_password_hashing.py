from django.contrib.auth.hashers import Argon2PasswordHasher

import myropo.settings


def test_production_settings_hash_new_passwords_with_argon2():
    assert myropo.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_hashes_and_verifies_a_password():
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("correct-Horse-battery-9", hasher.salt())

    assert encoded.startswith("argon2$")
    assert hasher.verify("correct-Horse-battery-9", encoded)
    assert not hasher.verify("wrong", encoded)
