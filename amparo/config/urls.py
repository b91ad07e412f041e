from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Amparo"
admin.site.site_title = "Amparo"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:list", permanent=False), name="home"),
    path("accounts/", include("amparo.accounts.urls")),
    path("cases/", include("amparo.cases.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "amparo.security.views.bad_request"
handler403 = "amparo.security.views.permission_denied"
handler404 = "amparo.security.views.page_not_found"
handler500 = "amparo.security.views.server_error"
