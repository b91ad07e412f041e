from django.urls import path

from amparo.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("two-factor/", views.two_factor_view, name="two_factor"),
    path("security/", views.security_view, name="security"),
    path("audit/", views.audit_view, name="audit"),
]
