from django.urls import path

from amparo.sgreports import views

app_name = "sgreports"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.upload, name="upload"),
    path("batches/<uuid:pk>/", views.batch_detail, name="batch"),
    path("candidates/<uuid:pk>/", views.candidate_detail, name="candidate"),
    path("candidates/<uuid:pk>/review/", views.candidate_quick, name="candidate_quick"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("entries/<uuid:uuid>/", views.entry_reports, name="entry_reports"),
    path("calendar.ics", views.calendar_feed, name="calendar"),
    path("calendar/subscribe/", views.calendar_subscription, name="calendar_subscription"),
    path("calendar/feed.ics", views.calendar_subscribed_feed, name="calendar_subscribed"),
]
