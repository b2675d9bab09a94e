import pytest

from tests.fulfillment.conftest import (  # noqa: F401  (fixtures: the hub's, for test_room)
    hub_user,
    make_parcel,
    merchant,
    network,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Test users need no real password hashing (PBKDF2 costs ~0.7 s per user)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
