"""Air waybill documents, mounted at /waybills/ (every master for operators: all/), and the
CN 23 of a flight's parcel for planners and operators (cn23/?flight=&s10=)."""

from django.urls import path

from caravana.customs import views as customs_views
from caravana.waybills import views

app_name = "waybills"
urlpatterns = [
    path("flights/<int:pk>/", views.flight, name="flight"),
    path("flights/<int:pk>/build/", views.build, name="build"),
    path("flights/<int:pk>/manifest.pdf", views.manifest_pdf, name="manifest"),
    path("mawb/<str:number>.pdf", views.mawb_pdf, name="mawb"),
    path("mawb/<str:number>.jsonld", views.onerecord_json, name="onerecord"),
    path("hawb/<str:number>.pdf", views.hawb_pdf, name="hawb"),
    path("all/", views.operations_list, name="operations"),
    path("cn23/", customs_views.flight_cn23, name="cn23"),
]
