import markdown
import nh3
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from support_desk.serializers import StrictSerializer
from support_desk.throttling import PublicThrottle

from .. import selectors, services
from ..models import Article, OfficialContact

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "br",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> str:
    """Markdown to HTML, then sanitised: whatever an editor typed, no script reaches a page."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer nofollow"
    )


class ArticleListSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    excerpt = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    helpful = serializers.IntegerField(source="helpful_count")
    not_helpful = serializers.IntegerField(source="not_helpful_count")

    class Meta:
        model = Article
        fields = ["slug", "title", "excerpt", "category", "language", "helpful", "not_helpful", "updated_at", "url"]

    def get_excerpt(self, article: Article) -> str:
        plain = nh3.clean(markdown.markdown(article.body), tags=set())
        return " ".join(plain.split())[:200]

    def get_url(self, article: Article) -> str:
        return f"/articles/{article.slug}/"


class ArticleDetailSerializer(ArticleListSerializer):
    body_html = serializers.SerializerMethodField()

    class Meta(ArticleListSerializer.Meta):
        fields = [*ArticleListSerializer.Meta.fields, "body_html"]

    def get_body_html(self, article: Article) -> str:
        return render_markdown(article.body)


class VoteSerializer(StrictSerializer):
    helpful = serializers.BooleanField()


class VerifyContactSerializer(StrictSerializer):
    contact = serializers.CharField(max_length=300)


class PublicContactSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=OfficialContact.Channel.choices)
    value = serializers.CharField()
    label = serializers.CharField()


class VerifyContactResultSerializer(serializers.Serializer):
    contact = serializers.CharField(help_text="What was checked, as sent.")
    official = serializers.BooleanField()
    channel = serializers.ChoiceField(choices=OfficialContact.Channel.choices, help_text="What the contact looks like.")
    message = serializers.CharField(help_text="The verdict in a sentence, in the caller's language.")
    match = PublicContactSerializer(allow_null=True, help_text="The official contact it matched, or null.")
    official_contacts = PublicContactSerializer(
        many=True,
        help_text="When it is not official: our active contacts of that kind (for an e-mail address, also our "
        "e-mail domains), to compare with. Empty when it is official.",
    )


class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Published help articles. `q` searches words in English and Chinese."""

    lookup_field = "slug"
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleListSerializer

    def get_throttles(self):
        return [PublicThrottle()] if self.action == "vote" else []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words to search (English or Chinese)"),
            OpenApiParameter(
                "language", str, enum=["en", "zh-hans", "all"], description="Default: the request's language"
            ),
            OpenApiParameter("category", str, description="Category code"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if self.action != "list":
            return selectors.published_articles()
        params = self.request.query_params
        # Default: articles in the reader's language (a query in Chinese reads Chinese articles);
        # `language=all` lists every language.
        reads_chinese = (get_language() or "").startswith("zh") or selectors.CJK.search(params.get("q", ""))
        language = params.get("language") or ("zh-hans" if reads_chinese else "en")
        return selectors.article_search(
            query=params.get("q", ""),
            language=None if language == "all" else language,
            category=params.get("category") or None,
        )

    @extend_schema(
        request=VoteSerializer, responses={200: ArticleListSerializer, 400: OpenApiResponse(), 429: OpenApiResponse()}
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, slug=None):
        article = self.get_object()
        serializer = VoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        article = services.article_vote(article=article, helpful=serializer.validated_data["helpful"])
        return Response(ArticleListSerializer(article).data)


class VerifyContactView(APIView):
    """Is this e-mail, website, phone number or Telegram account really our support?"""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [PublicThrottle]

    @extend_schema(
        request=VerifyContactSerializer,
        responses={
            200: VerifyContactResultSerializer,
            400: OpenApiResponse(),
            429: OpenApiResponse(),
        },
        auth=[],
    )
    def post(self, request):
        serializer = VerifyContactSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.verify_contact(contact=serializer.validated_data["contact"]))
