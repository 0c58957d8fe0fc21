from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("views", views.SavedViewViewSet, basename="saved-view")

urlpatterns = router.urls
