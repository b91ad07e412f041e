from django.urls import path

from amparo.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.navigator, name="navigator"),
    path("avenues/", views.results, name="results"),
    path("draft/", views.draft, name="draft"),
    path("support/", views.support_directory, name="directory"),
    path("entries/<uuid:uuid>/draft/", views.entry_draft, name="entry_draft"),
    path("entries/<uuid:uuid>/sent/", views.entry_record_sent, name="entry_record_sent"),
    path("due/", views.due, name="due"),
]
