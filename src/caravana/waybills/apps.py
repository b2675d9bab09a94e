from django.apps import AppConfig


class WaybillsConfig(AppConfig):
    name = "caravana.waybills"
    label = "waybills"

    def ready(self) -> None:
        # The hub's load sheet (fulfillment) shows the waybill numbers without importing this
        # app: it asks the source registered here (docs/architecture.md, "no cycles").
        from caravana.fulfillment import events
        from caravana.fulfillment.services import load_sheets
        from caravana.waybills import queries, receivers

        load_sheets.waybill_source = queries.load_sheet_waybills
        events.parcels_moved.connect(
            receivers.on_parcels_moved, dispatch_uid="waybills.on_parcels_moved"
        )
