"""The authentication backend: Django's ModelBackend, loading a session's user together with the
customer profile (one query instead of two). Every request reads the profile (the portal's saved
language middleware), staff requests included: the desk's unchanged queue poll then costs the
session and the user, nothing more."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("customer_profile").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
