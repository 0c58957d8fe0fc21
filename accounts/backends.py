"""The authentication backend: Django's ModelBackend, loading a session's user together with the
customer profile and the role (accounts.roles.with_role_group): one query instead of three.
Every request reads the profile (the portal's saved language middleware) and nearly every one the
role, staff requests included: the desk's unchanged queue poll then costs the session and the
user, nothing more."""

from django.contrib.auth.backends import ModelBackend

from .models import User
from .roles import with_role_group


def load_user(user_id) -> User:
    """The user as an authenticated request has it: with the profile and the role."""
    return with_role_group(User._default_manager.select_related("customer_profile")).get(pk=user_id)


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = load_user(user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
