"""Carrier events: last-mile carriers' own tracking payloads (webhooks, CSV uploads, polled
tracking APIs) turned into UPU events by one adapter per carrier family (adapters/), recorded
through tracking's set-wise ingestion. Statuses an adapter does not know, and events for
parcels we cannot find, are kept (HeldCarrierEvent) and shown to operators, never dropped."""
