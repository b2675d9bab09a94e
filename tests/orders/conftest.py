from tests.orders.support import market  # noqa: F401
from tests.smtp import smtp_inbox  # noqa: F401
