"""Fixtures for the rendering tests."""

import pytest

from app.certificates.rendering import CertificateData

from .helpers import make_data


@pytest.fixture
def data() -> CertificateData:
    return make_data()
