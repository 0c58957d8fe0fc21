"""Ticket creation reads the active categories from the process's copy (tickets.categories); a
change to a category or a team reaches the next ticket at once."""

from tickets.categories import active_category
from tickets.models import Ticket


def post(client, customer, category="other"):
    client.force_authenticate(customer)
    return client.post(
        "/api/v1/tickets/", {"category": category, "subject": "Deposit", "body": "Where is it?"}, format="json"
    )


def test_a_deactivated_category_is_refused_at_once(api_client, customer, other_category, sla_policy):
    assert post(api_client, customer).status_code == 201
    other_category.is_active = False
    other_category.save()
    response = post(api_client, customer)
    assert response.status_code == 400
    assert "category" in response.json()


def test_a_category_given_another_team_routes_the_next_ticket_there(
    api_client, customer, other_category, payments, sla_policy
):
    post(api_client, customer)
    other_category.default_team = payments
    other_category.save()
    reference = post(api_client, customer).json()["reference"]
    assert Ticket.objects.get(reference=reference).team == payments


def test_an_unknown_category_is_a_field_error(api_client, customer, other_category, sla_policy):
    response = post(api_client, customer, category="nope")
    assert response.status_code == 400
    assert "category" in response.json()


def test_a_lookup_returns_a_copy_the_request_may_change(other_category):
    first = active_category("other")
    first.name = "changed"
    first.default_team.name = "changed too"
    again = active_category("other")
    assert (again.name, again.default_team.name) == (other_category.name, other_category.default_team.name)
