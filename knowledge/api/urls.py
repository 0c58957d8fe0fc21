from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = [
    path("verify-contact/", views.VerifyContactView.as_view(), name="verify-contact"),
    *router.urls,
]
