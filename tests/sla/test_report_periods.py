"""A report's period the calendar cannot hold is a 400 on `until`, never an overflow's 500."""

import pytest

EARLIEST = "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("path", ["/api/v1/reports/sla/", "/api/v1/reports/complaints/"])
def test_an_end_too_early_for_the_default_start_is_a_400_on_until(api_client, lead, path):
    api_client.force_authenticate(lead)
    response = api_client.get(path, {"until": EARLIEST})
    assert response.status_code == 400
    assert "until" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/reports/sla/", "/api/v1/reports/complaints/"])
def test_the_earliest_start_with_its_end_is_answered(api_client, lead, path):
    api_client.force_authenticate(lead)
    response = api_client.get(path, {"since": EARLIEST, "until": "9999-12-31T23:59:59Z"})
    assert response.status_code == 200
