from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "caravana.planning"
    label = "planning"

    def ready(self) -> None:
        # A cancelled flight's plan comes off it (the network never imports its listeners).
        from caravana.network import events
        from caravana.planning import receivers

        events.flight_cancelled.connect(
            receivers.on_flight_cancelled, dispatch_uid="planning.on_flight_cancelled"
        )
