from django.urls import path
from rest_framework.routers import SimpleRouter

from . import contacts, views

router = SimpleRouter(trailing_slash=True)
router.register("articles", views.ArticleViewSet, basename="article")
router.register("official-contacts", contacts.OfficialContactViewSet, basename="official-contact")

urlpatterns = [
    path("verify-contact/", views.VerifyContactView.as_view(), name="verify-contact"),
    *router.urls,
]
