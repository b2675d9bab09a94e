from tests.orders.support import market  # noqa: F401
