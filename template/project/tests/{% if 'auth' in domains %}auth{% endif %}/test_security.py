"""Password hashing: production Argon2 parameters everywhere but the test suite's own
environment, whose cheap ones keep the suite fast (each user registered costs microseconds)."""

import pytest

from src.auth import security
from src.constants import Environment

# Made with 64 MiB, 3 passes and 4 lanes (pwdlib's and argon2-cffi's defaults, RFC 9106's second
# recommendation). A hasher with any other parameter says this hash needs rehashing.
PRODUCTION_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$1ps7BP3gGAP7rzPKCKk5pA$"
    "sj4BahgAEz8eYPFKyFt3RPVpYFYnccaIYjm3O1XXeEI"
)
PASSWORD = "Str0ng!Passw0rd"  # PRODUCTION_HASH's


@pytest.mark.parametrize("environment", ["local", "staging", "production"])
def test_every_other_environment_hashes_with_production_parameters(environment: str) -> None:
    hasher = security.password_hasher(Environment(environment)).current_hasher

    assert not hasher.check_needs_rehash(PRODUCTION_HASH), f"cheap hashes in {environment}"


def test_the_suite_hashes_with_cheap_parameters_that_verify_anywhere() -> None:
    hashed = security.password_hash.hash(PASSWORD)
    production = security.password_hasher(Environment.PRODUCTION)

    assert hashed.startswith("$argon2id$v=19$m=8,t=1,p=1$"), hashed
    assert production.verify(PASSWORD, hashed)
    assert not production.verify(PASSWORD + "!", hashed)
    assert security.password_hash.current_hasher.check_needs_rehash(PRODUCTION_HASH)
