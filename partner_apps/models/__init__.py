from .catalogue import AppKind, PartnerApp
from .installation import CabinetApp, CompanyAuthorization

__all__ = ["AppKind", "CabinetApp", "CompanyAuthorization", "PartnerApp"]
