import secrets
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from control import accounts


@pytest.fixture(autouse=True, scope="session")
def light_password_hashing() -> Iterator[None]:
    """Passwords hashed and checked with argon2id as the product does, at argon2's lightest
    cost (the unknown name's stand-in hash too, so that it still costs what a known one does):
    the tests sign in some hundreds of times to check who may do what, not what a hash costs an
    attacker, and at the product's cost (64 MiB, three passes: 0.35 s a hash, 0.85 s against
    the stand-in, on a loaded machine) the web tests spent half their time in argon2."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", light)
    patch.setattr(accounts, "_DUMMY_HASH", light.hash(secrets.token_urlsafe(16)))
    yield
    patch.undo()
