import pytest

from tests.factories import CustomerFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice(db):
    """A customer who can log in with PASSWORD."""
    user = CustomerFactory(username="alice")
    user.set_password(PASSWORD)
    user.save()
    return user
