from django.urls import path

from . import views

urlpatterns = [
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/email/", views.EmailChangeView.as_view(), name="account-email"),
    path("account/password/", views.PasswordChangeView.as_view(), name="account-password"),
    path("account/sessions/revoke/", views.SessionsRevokeView.as_view(), name="account-sessions-revoke"),
]
