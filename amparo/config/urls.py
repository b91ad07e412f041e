from django.contrib import admin
from django.urls import include, path

from amparo.accounts import views as accounts_views
from amparo.portal import views as portal_views

admin.site.site_header = "Amparo"
admin.site.site_title = "Amparo"

urlpatterns = [
    # The public portal is the home page; the staff register stays at /cases/.
    path("", portal_views.home, name="home"),
    path("", include("amparo.portal.urls")),
    path("analytics/", include("amparo.analytics.urls")),
    path("api/", include("amparo.api.urls")),
    path("accounts/", include("amparo.accounts.urls")),
    path("cases/", include("amparo.cases.urls")),
    path("help/", include("amparo.referrals.urls")),
    path("reports/", include("amparo.sgreports.urls")),
    path("assess/", include("amparo.assessments.urls")),
    # The admin signs in and out through Amparo's own pages (lockout, second factor, and
    # Clear-Site-Data on sign-out); its own login form is never shown.
    path("admin/login/", accounts_views.admin_login_view, name="admin_login"),
    path("admin/logout/", accounts_views.logout_view, name="admin_logout"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "amparo.security.views.bad_request"
handler403 = "amparo.security.views.permission_denied"
handler404 = "amparo.security.views.page_not_found"
handler500 = "amparo.security.views.server_error"
