"""Logs, request ids and the optional error and trace reporting (Sentry, OpenTelemetry)."""
