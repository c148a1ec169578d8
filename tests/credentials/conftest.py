"""The certificates suite's ended event, reused: credentials are made when it issues."""

from tests.certificates.conftest import ended_event  # noqa: F401 (a fixture)
