"""The console's job kinds (jobs.apps finds this module): its CSV exports."""

from caravana.console import exports, product_import  # noqa: F401  (registers the kinds)
