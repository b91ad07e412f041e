from django.urls import path

from amparo.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("<uuid:uuid>/", views.entry_detail, name="detail"),
]
