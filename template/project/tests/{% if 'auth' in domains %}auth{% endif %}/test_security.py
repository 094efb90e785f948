"""Password hashing: production Argon2 parameters everywhere but the test suite's own
environment, whose cheap ones keep the suite fast (each user registered costs microseconds)."""

import pytest

from src.auth import security
from src.constants import Environment

PRODUCTION_PARAMETERS = "$argon2id$v=19$m=65536,t=3,p=4$"  # 64 MiB, 3 passes, 4 lanes
TESTING_PARAMETERS = "$argon2id$v=19$m=8,t=1,p=1$"


@pytest.mark.parametrize("environment", ["local", "staging", "production"])
def test_every_other_environment_hashes_with_production_parameters(environment: str) -> None:
    hashed = security.password_hasher(Environment(environment)).hash("Str0ng!Passw0rd")

    assert hashed.startswith(PRODUCTION_PARAMETERS), hashed


def test_the_suite_hashes_with_cheap_parameters_that_verify_anywhere() -> None:
    hashed = security.password_hash.hash("Str0ng!Passw0rd")
    production = security.password_hasher(Environment.PRODUCTION)

    assert hashed.startswith(TESTING_PARAMETERS), hashed
    assert production.verify("Str0ng!Passw0rd", hashed)
    assert not production.verify("Str0ng!Passw0rd!", hashed)
