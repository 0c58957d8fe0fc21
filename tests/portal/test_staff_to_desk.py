"""Staff who open a portal page about tickets are taken to the desk: the portal would draw someone
else's ticket as their own ("You wrote…")."""

import pytest


@pytest.mark.parametrize("who", ["agent", "lead"])
def test_staff_opening_a_portal_ticket_are_taken_to_its_desk_page(client, request, who, ticket):
    client.force_login(request.getfixturevalue(who))
    response = client.get(f"/tickets/{ticket.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.reference}/"


def test_staff_opening_the_portal_ticket_list_are_taken_to_the_queue(client, agent):
    client.force_login(agent)
    response = client.get("/tickets/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_the_customer_still_sees_their_ticket_in_the_portal(client, customer, ticket):
    client.force_login(customer)
    assert client.get(f"/tickets/{ticket.reference}/").status_code == 200
    assert client.get("/tickets/").status_code == 200


def test_a_strange_reference_is_quoted_in_the_desk_url(client, agent):
    client.force_login(agent)
    assert client.get("/tickets/a%3Fb/")["Location"] == "/desk/tickets/a%3Fb/"
