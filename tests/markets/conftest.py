from tests.fulfillment.conftest import make_parcel, merchant, network  # noqa: F401 (fixtures)
from tests.orders.support import market  # noqa: F401 (fixture)
from tests.smtp import smtp_inbox  # noqa: F401 (fixture)
