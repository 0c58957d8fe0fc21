from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from .serializers import IncidentSerializer


class IncidentListView(APIView):
    """Known problems. `active=true` (unresolved); `category`, `asset`, `network` narrow it to the
    incidents that affect what the customer is about to report."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("active", bool),
            OpenApiParameter("category", str),
            OpenApiParameter("asset", str),
            OpenApiParameter("network", str),
        ],
        responses={200: IncidentSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        params = request.query_params
        if params.get("active", "true").lower() in ("false", "0", "no"):
            incidents = selectors.incidents_recent(limit=50)
        else:
            incidents = selectors.incidents_active(
                category=params.get("category", ""), asset=params.get("asset", ""), network=params.get("network", "")
            )
        return Response(IncidentSerializer(incidents, many=True).data)
