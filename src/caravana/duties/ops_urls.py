from django.urls import path

from caravana.duties import ops_views as views  # noqa

app_name = "duties"
urlpatterns = [
    path("", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
    path("remit/", views.remit, name="remit"),
]
