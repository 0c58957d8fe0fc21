from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("categories", views.CategoryViewSet, basename="category")
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("macros", views.MacroViewSet, basename="macro")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("queue/", views.QueueView.as_view(), name="queue"),
    *router.urls,
]
