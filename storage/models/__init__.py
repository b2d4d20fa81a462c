"""All Linli tables; import this module to register every model on `Base.metadata`."""

from storage.models.activities import Activity, ActivitySignup, CheckinAttempt
from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.governance import (
    GridReport,
    PersonRequest,
    Proposal,
    ProposalCosign,
    ProposalEvent,
    ReportMeToo,
)
from storage.models.messaging import (
    Broadcast,
    CallbackNonce,
    ChannelToken,
    DialogState,
    Download,
    DueJob,
    OutboxMessage,
    ProcessedUpdate,
)
from storage.models.office import OfficeLink, OfficeSession
from storage.models.people import AuditEntry, Identity, InviteCode, Person, Region, RoleGrant
from storage.models.services import (
    Assignment,
    Need,
    NeedSeries,
    ServiceItem,
    ServiceRecord,
    TargetGroup,
    TaskOffer,
)
from storage.models.volunteers import Organization, OrganizationMember, VolunteerProfile

__all__ = [
    "Activity",
    "ActivitySignup",
    "Assignment",
    "AuditEntry",
    "Base",
    "Broadcast",
    "CallbackNonce",
    "ChannelToken",
    "CheckinAttempt",
    "DialogState",
    "Download",
    "DueJob",
    "GridReport",
    "Identity",
    "InviteCode",
    "Need",
    "NeedSeries",
    "OfficeLink",
    "OfficeSession",
    "Organization",
    "OrganizationMember",
    "OutboxMessage",
    "Person",
    "PersonRequest",
    "ProcessedUpdate",
    "Proposal",
    "ProposalCosign",
    "ProposalEvent",
    "Region",
    "ReportMeToo",
    "RoleGrant",
    "ServiceItem",
    "ServiceRecord",
    "TargetGroup",
    "TaskOffer",
    "UTCDateTime",
    "VolunteerProfile",
    "utcnow",
]
