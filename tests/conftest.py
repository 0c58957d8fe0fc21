import shutil

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import (
    FIXED_NOW,
    AgentFactory,
    CategoryFactory,
    CustomerFactory,
    TeamFactory,
    TicketFactory,
)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    shutil.rmtree(tmp_path / "media", ignore_errors=True)


def forget_process_state() -> None:
    """Empty the caches and the per-process copies a test (or a rolled-back request) may leave."""
    from django.core.cache import caches

    from support_desk import versioned
    from support_desk.throttling import store
    from tickets import selectors

    for alias in ("default", "throttle"):
        caches[alias].clear()
    store.clear()
    versioned.forget_all()  # the copies of the SLA configuration and webhook subscriptions
    selectors._pace_seen.clear()  # and of the teams' answer pace
    selectors._far_back.clear()  # and of the places counted far back in the queues


@pytest.fixture(autouse=True)
def _clear_cache():
    forget_process_state()


@pytest.fixture
def now():
    return FIXED_NOW


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def general(db):
    return TeamFactory(code="general", name="General")


@pytest.fixture
def payments(db):
    return TeamFactory(code="payments", name="Payments")


@pytest.fixture
def security(db):
    return TeamFactory(code="security", name="Security")


@pytest.fixture
def category(payments):
    return CategoryFactory(code="withdrawal_delayed", default_team=payments, required_fields=["asset", "amount"])


@pytest.fixture
def other_category(general):
    return CategoryFactory(code="other", default_team=general)


@pytest.fixture
def customer(db):
    return CustomerFactory(username="alice")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(username="mallory")


@pytest.fixture
def agent(payments):
    return AgentFactory(username="agent1", teams=[payments])


@pytest.fixture
def other_agent(payments):
    return AgentFactory(username="agent2", teams=[payments])


@pytest.fixture
def outside_agent(general):
    """An agent of another team: must not see payments tickets."""
    return AgentFactory(username="generalist", teams=[general])


@pytest.fixture
def lead(db):
    return AgentFactory(username="lead", role=Role.LEAD)


@pytest.fixture
def admin_user(db):
    return AgentFactory(username="root", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def lead_client(client, lead):
    """A browser session of the lead (the Django admin, the desk's pages); pytest-django's
    `admin_client` is the same for `admin_user`."""
    client.force_login(lead)
    return client


@pytest.fixture
def ticket(customer, category):
    return TicketFactory(requester=customer, category=category)


@pytest.fixture
def sla_policy(db):
    """The default 24x7 policy (first response normal 4 h, resolution normal 72 h, ladder 75/100/200%)."""
    from sla.defaults import ensure_default_policy

    return ensure_default_policy()
