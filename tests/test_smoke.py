def test_ticket_fixture_belongs_to_payments(ticket):
    assert ticket.team.code == "payments"
    assert ticket.reference.startswith("SD-")
