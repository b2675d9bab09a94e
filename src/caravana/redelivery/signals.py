"""What redelivery tells the apps above it, so it imports none of them."""

from django.dispatch import Signal

#: A parcel the carrier will not deliver and is bringing back: sent inside the transaction
#: that records the failed attempt, with `parcel` and `reason` (redelivery.reasons: refused,
#: or the reason of the attempt that reached the carrier's limit). caravana.returns announces
#: it to its country's returns point.
parcel_sent_back = Signal()
