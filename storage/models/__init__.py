"""All Linli tables; import this module to register every model on `Base.metadata`."""

from storage.models.activities import Activity, ActivitySignup, CheckinAttempt
from storage.models.agencies import (
    Department,
    DepartmentRegion,
    Handoff,
    StaffInvite,
    StaffMember,
)
from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.governance import (
    GridReport,
    PersonRequest,
    Proposal,
    ProposalCosign,
    ProposalEvent,
    ReportMeToo,
)
from storage.models.meetings import (
    Meeting,
    MeetingItem,
    MeetingParticipant,
    MeetingVote,
    ProjectMilestone,
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
from storage.models.office import OfficeLink, OfficePassword, OfficeSession
from storage.models.party import PartyMember
from storage.models.people import AuditEntry, Identity, InviteCode, Person, Region, RoleGrant
from storage.models.photos import Photo, SigninThrottle
from storage.models.relay import NeedSensitive, RelayMessage
from storage.models.services import (
    Assignment,
    Need,
    NeedSeries,
    ServiceItem,
    ServiceRecord,
    TargetGroup,
    TaskOffer,
)
from storage.models.units import ResourceBooking, Unit, UnitResource, UnitSignup
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
    "Department",
    "DepartmentRegion",
    "DialogState",
    "Download",
    "DueJob",
    "GridReport",
    "Handoff",
    "Identity",
    "InviteCode",
    "Meeting",
    "MeetingItem",
    "MeetingParticipant",
    "MeetingVote",
    "Need",
    "NeedSensitive",
    "NeedSeries",
    "OfficeLink",
    "OfficePassword",
    "OfficeSession",
    "Organization",
    "OrganizationMember",
    "OutboxMessage",
    "PartyMember",
    "Person",
    "PersonRequest",
    "Photo",
    "ProcessedUpdate",
    "ProjectMilestone",
    "Proposal",
    "ProposalCosign",
    "ProposalEvent",
    "Region",
    "RelayMessage",
    "ReportMeToo",
    "ResourceBooking",
    "RoleGrant",
    "ServiceItem",
    "ServiceRecord",
    "SigninThrottle",
    "StaffInvite",
    "StaffMember",
    "TargetGroup",
    "TaskOffer",
    "UTCDateTime",
    "Unit",
    "UnitResource",
    "UnitSignup",
    "VolunteerProfile",
    "utcnow",
]
