"""`views/`: saved queue views (staff only) and their ticket counts.

Customers get 403, anonymous callers and guests 401; a view the caller may not see (another
agent's personal view, another team's) is a 404; one they see but may not change is a 403.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tickets.api.permissions import IsStaffMember

from .. import selectors, services
from ..models import SavedView
from .serializers import SavedViewCountsSerializer, SavedViewSerializer, SavedViewWriteSerializer

E400 = OpenApiResponse(description="Invalid input; the body names each field's errors (filters: each parameter's).")
E401 = OpenApiResponse(description="Not authenticated.")
E403 = OpenApiResponse(description="Authenticated, but not allowed to do this.")
E404 = OpenApiResponse(description="No such view, or not one the caller may see.")


@extend_schema_view(
    list=extend_schema(responses={200: SavedViewSerializer(many=True), 401: E401, 403: E403}),
    create=extend_schema(
        request=SavedViewWriteSerializer, responses={201: SavedViewSerializer, 400: E400, 401: E401, 403: E403}
    ),
    retrieve=extend_schema(responses={200: SavedViewSerializer, 401: E401, 403: E403, 404: E404}),
    partial_update=extend_schema(
        request=SavedViewWriteSerializer,
        responses={200: SavedViewSerializer, 400: E400, 401: E401, 403: E403, 404: E404},
    ),
    destroy=extend_schema(responses={204: None, 401: E401, 403: E403, 404: E404}),
)
class SavedViewViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's personal views and their teams' views. `filters` are GET queue/'s query
    parameters, checked by the queue's own filter set. Sharing with a team (`team`) and changing a
    team's view are for leads and admins."""

    serializer_class = SavedViewSerializer
    permission_classes = [IsStaffMember]
    queryset = SavedView.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return selectors.saved_views_visible_to(self.request.user)

    def create(self, request):
        serializer = SavedViewWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        view = services.saved_view_create(actor=request.user, now=timezone.now(), **serializer.validated_data)
        return Response(self.get_serializer(view).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        view = self.get_object()
        serializer = SavedViewWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        view = services.saved_view_update(
            view=view, actor=request.user, changes=serializer.validated_data, now=timezone.now()
        )
        return Response(self.get_serializer(view).data)

    def destroy(self, request, pk=None):
        services.saved_view_delete(view=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: SavedViewCountsSerializer, 401: E401, 403: E403},
        description=f"How many open tickets each view shows: the built-in views (by key: `` all open, "
        f"`mine`, `unassigned`, `breached`, `due1h`) and the caller's saved views (up to "
        f"{selectors.MAX_COUNTED_VIEWS}). Exact up to {selectors.COUNT_CAP}; beyond, `capped` is true and "
        f'`display` is "{selectors.COUNT_CAP}+". Never slower on a bigger table; cached for '
        f"{selectors.COUNT_CACHE_SECONDS} s at most, and fresh after any ticket change.",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        views = list(self.get_queryset()[: selectors.MAX_COUNTED_VIEWS])
        wanted = {f"builtin:{key}": filters for key, filters in selectors.BUILTIN_VIEWS.items()}
        wanted.update({f"saved:{view.pk}": view.filters for view in views})
        counts = selectors.view_counts(user=request.user, views=wanted)
        return Response(
            {
                "builtin": [{"key": key, **counts[f"builtin:{key}"].as_dict()} for key in selectors.BUILTIN_VIEWS],
                "saved": [{"id": view.pk, **counts[f"saved:{view.pk}"].as_dict()} for view in views],
            }
        )
