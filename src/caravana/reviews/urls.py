from django.urls import path

from caravana.reviews import views

app_name = "reviews"
urlpatterns = [
    path("orders/<str:number>/lines/<int:line>/review/", views.write, name="write"),
    path("p/<int:pk>/reviews/", views.product_reviews, name="product"),
    path("reviews/<int:pk>/helpful/", views.helpful, name="helpful"),
    path("console/reviews/", views.console, name="console"),
    path("console/reviews/<int:pk>/answer/", views.console_answer, name="answer"),
]
