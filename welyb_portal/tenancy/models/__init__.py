from .audit import AuditEntry
from .cabinet import Cabinet, CabinetDomain
from .company import Company, Membership
from .user import Role, User

__all__ = ["AuditEntry", "Cabinet", "CabinetDomain", "Company", "Membership", "Role", "User"]
