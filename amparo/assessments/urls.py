from django.urls import path

from amparo.assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.start, name="start"),
    path("step/", views.step, name="step"),
    path("exit/", views.quick_exit, name="exit"),
    path("plan.pdf", views.pdf, name="pdf"),
    path("save/", views.save, name="save"),
    path("load/", views.load, name="load"),
    path("attach/", views.attach, name="attach"),
    path("attached/<uuid:pk>/", views.attached, name="attached"),
]
