from datetime import UTC, datetime

import factory
from django.utils import timezone

from accounts.models import AgentProfile, CustomerProfile, Role, User
from accounts.roles import grant_role
from incidents.models import Incident
from knowledge.models import OfficialContact
from tickets.models import Category, Macro, Message, Priority, Team, Ticket

FIXED_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw")


class CustomerFactory(UserFactory):
    profile = factory.RelatedFactory("tests.factories.CustomerProfileFactory", factory_related_name="user")


class CustomerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerProfile

    user = factory.SubFactory(UserFactory)
    tier = CustomerProfile.Tier.STANDARD
    language = "en"
    anti_phishing_code = "CODE-1234"


class AgentFactory(UserFactory):
    """An agent; pass `teams=[...]` to make them a member."""

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        grant_role(self, extracted or Role.AGENT)
        AgentProfile.objects.get_or_create(user=self)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        for team in extracted or []:
            team.members.add(self)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team{n}")
    name = factory.LazyAttribute(lambda t: t.code.title())


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category{n}")
    name = factory.LazyAttribute(lambda c: c.code.replace("_", " ").title())
    default_team = factory.SubFactory(TeamFactory)
    default_priority = Priority.NORMAL
    required_fields = factory.LazyFunction(list)


class TicketFactory(factory.django.DjangoModelFactory):
    """A ticket row as the services would leave it (use services.ticket_create to test creation)."""

    class Meta:
        model = Ticket

    requester = factory.SubFactory(CustomerFactory)
    category = factory.SubFactory(CategoryFactory)
    team = factory.LazyAttribute(lambda t: t.category.default_team)
    subject = factory.Faker("sentence", nb_words=6)
    priority = Priority.NORMAL
    status = Ticket.Status.NEW
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyAttribute(lambda t: t.created_at)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author = factory.LazyAttribute(lambda m: m.ticket.requester)
    kind = Message.Kind.PUBLIC
    body = factory.Faker("paragraph")
    created_at = factory.LazyFunction(timezone.now)


class MacroFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Macro

    name = factory.Sequence(lambda n: f"Macro {n}")
    body = "Hello {customer_name}, about {reference}: we are on it."


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Known problem {n}")
    message = "We are looking into it."
    status = Incident.Status.INVESTIGATING
    started_at = FIXED_NOW


class OfficialContactFactory(factory.django.DjangoModelFactory):
    """Stored as knowledge.services stores it (normalised): make odd values through the services."""

    class Meta:
        model = OfficialContact

    channel = OfficialContact.Channel.EMAIL
    value = factory.Sequence(lambda n: f"support{n}@desk.example")
    label = ""
    is_active = True
