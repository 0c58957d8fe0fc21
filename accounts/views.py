from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .services import customer_set_language


@require_POST
def set_language(request):
    """Django's language switch, which also saves the choice of a logged-in customer (their saved
    language otherwise wins over the cookie on the next page)."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        customer_set_language(user=request.user, language=request.POST.get("language", ""))
    return response
