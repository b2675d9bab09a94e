from django.apps import AppConfig


class WaybillsConfig(AppConfig):
    name = "caravana.waybills"
    label = "waybills"

    def ready(self) -> None:
        # The hub's load sheet (fulfillment) shows the waybill numbers without importing this
        # app: it asks the source registered here (docs/architecture.md, "no cycles").
        from caravana.fulfillment.services import load_sheets
        from caravana.waybills import queries

        load_sheets.waybill_source = queries.load_sheet_waybills
