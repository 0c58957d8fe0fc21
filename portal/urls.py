from django.contrib.auth.views import LogoutView
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleView.as_view(), name="article"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("login/code/", account_views.CodeStepView.as_view(), name="login_code"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/email/confirm/<str:token>/", views.EmailConfirmView.as_view(), name="account_email_confirm"),
    path("password-reset/", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PortalPasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PortalPasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PortalPasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("status/", views.StatusView.as_view(), name="status"),
    path("emergency/", views.EmergencyView.as_view(), name="emergency"),
    path("tickets/", views.TicketListView.as_view(), name="ticket_list"),
    path("tickets/new/", views.TicketNewView.as_view(), name="ticket_new"),
    path("tickets/<str:reference>/", views.TicketDetailView.as_view(), name="ticket_detail"),
    path("guest/new/", views.GuestNewView.as_view(), name="guest_new"),
    path("guest/", views.GuestTicketView.as_view(), name="guest_ticket"),
    path("guest/link/", views.GuestLinkRequestView.as_view(), name="guest_link"),
    path("guest/<str:token>/", views.legacy_guest_link, name="guest_legacy"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="jsi18n"),
]
