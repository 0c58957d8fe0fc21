from django.utils import translation


class SavedLanguageMiddleware:
    """A logged-in customer's saved language wins over the browser's Accept-Language
    (LocaleMiddleware has already applied the cookie or the header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "customer_profile", None)
            if profile is not None and profile.language:
                translation.activate(profile.language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
