"""The planner's database tests reuse the logistics fixtures (seeded network, hub staff)."""

from tests.fulfillment.conftest import (  # noqa: F401  (fixtures)
    _fast_passwords,
    hub_user,
    make_parcel,
    merchant,
    network,
)
