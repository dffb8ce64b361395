from __future__ import annotations

import pytest
import responses

from portal.upstream import endpoints
from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url


@pytest.fixture
def upstream(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """What any page's layout asks of the upstream (the business and its colours), and a
    token for a sign-in. A module may define its own."""
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    upstream_http.get(upstream_url(endpoints.business_colors(1)), json={})
    upstream_http.post(
        upstream_url(endpoints.TOKEN),
        json={"access_token": "a", "refresh_token": "r", "expires_in": 3600},
    )
    return upstream_http
