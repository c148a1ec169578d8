"""Every model in one import, for migrations, the shell and tests."""

from app.auth.models import Organizer
from app.branding.models import Signature
from app.certificates.models import Certificate
from app.checker.models import CheckerRun, IssueClaim, IssueFailure
from app.credentials.models import StatusSlot
from app.designs.models import Design
from app.events.models import Event, EventStatus
from app.participants.models import Participant
from app.security.models import ThrottleWindow

__all__ = [
    "Certificate",
    "CheckerRun",
    "Design",
    "Event",
    "EventStatus",
    "IssueClaim",
    "IssueFailure",
    "Organizer",
    "Participant",
    "Signature",
    "StatusSlot",
    "ThrottleWindow",
]
