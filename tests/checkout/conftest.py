from __future__ import annotations

import pytest
import responses

from tests.helpers import upstream_data
from tests.helpers.upstream import upstream_url
from upstream import endpoints


@pytest.fixture
def mocked(upstream_http: responses.RequestsMock) -> responses.RequestsMock:
    """The upstream with its business registered; tests add the checkout answers."""
    upstream_http.get(upstream_url(endpoints.BUSINESS_CURRENT), json=upstream_data.business())
    return upstream_http
