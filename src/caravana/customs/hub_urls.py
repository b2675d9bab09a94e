"""Hub customs papers, mounted at /hub/customs/."""

from django.urls import path

from caravana.customs import views

app_name = "customs_hub"
urlpatterns = [path("<str:s10>/cn23.pdf", views.hub_cn23, name="cn23")]
