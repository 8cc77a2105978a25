from .audit import AuditEntry
from .cabinet import Cabinet, CabinetDomain
from .company import Company, Membership
from .notification import DigestStatus, Notification, NotificationDigest
from .token import TokenActivity
from .user import Role, User

__all__ = [
    "AuditEntry",
    "Cabinet",
    "CabinetDomain",
    "Company",
    "DigestStatus",
    "Membership",
    "Notification",
    "NotificationDigest",
    "Role",
    "TokenActivity",
    "User",
]
