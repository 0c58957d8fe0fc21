from django.db import transaction

from .models import CustomerProfile, User


@transaction.atomic
def customer_set_language(*, user: User, language: str) -> None:
    """The language a customer picked with the switch: saved, so pages and e-mails follow it."""
    if language not in CustomerProfile.Language.values:
        return
    CustomerProfile.objects.filter(user=user).update(language=language)
