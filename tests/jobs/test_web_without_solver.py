"""With planning in a job, a web process does not load OR-Tools (docs/decisions/0007): only the
process that solves imports the solver."""

import subprocess
import sys

CODE = """
import sys
import caravana.wsgi
from django.test import Client
from django.urls import resolve
for url in ("/planning/", "/planning/run/", "/planning/runs/1/", "/jobs/1/"):
    resolve(url)
print("ortools" in sys.modules, "caravana.planning.job_kinds" in sys.modules)
"""


def test_the_web_process_serves_the_planner_without_loading_ortools():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.split() == ["False", "True"]
