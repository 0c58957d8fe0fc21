"""The public API (no login): the networks the desk knows and the check of an identifier."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from support_desk.throttling import PublicThrottle

from ...networks import NETWORKS, InvalidIdentifier, network_as_dict, validate_identifier
from ..serializers import ValidateIdentifierSerializer
from ._common import E400, E429


class NetworkListView(APIView):
    """The networks the desk validates, with their assets, memo rules and explorer URL templates."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiResponse(description="A list of networks.")}, auth=[])
    def get(self, request):
        return Response([network_as_dict(network) for network in NETWORKS.values()])


class ValidateIdentifierView(APIView):
    """Check a transaction hash, address or memo/tag for a network as the customer types."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(
        request=ValidateIdentifierSerializer,
        responses={200: OpenApiResponse(description='{"valid": bool, "message": str}'), 400: E400, 429: E429},
        auth=[],
    )
    def post(self, request):
        serializer = ValidateIdentifierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            validate_identifier(data["network"], data["field"], data["value"])
        except InvalidIdentifier as error:
            return Response({"valid": False, "message": str(error)})
        return Response({"valid": True, "message": ""})
