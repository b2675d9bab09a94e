"""Every write to parcels, bags and ULDs goes through this package, one module per concern:
parcels (a merchant's labels), hub_steps (receive, sort into a bag, close it), loading (ULDs
built, closed and loaded onto flights), flight_plan (a committed plan written onto bags and
ULDs) and load_sheets (what a flight carries); scanning and rules hold what they share.

Each write is validated in full first, then written in one transaction. A bad scan raises
ValidationError naming the field and changes nothing; a repeated scan that already took effect
is answered again without writing twice.

Each parcel state change sends fulfillment.events.parcel_event (parcels_moved, once, for a step
that moves many) inside the same transaction, so what a listener records commits or rolls back
with the change."""
