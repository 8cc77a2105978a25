from .automation import FolderAutomation
from .catalogue import AppKind, PartnerApp
from .delivery import Delivery, DeliveryStatus, ReasonCode
from .installation import CabinetApp, CompanyAuthorization

__all__ = [
    "AppKind",
    "CabinetApp",
    "CompanyAuthorization",
    "Delivery",
    "DeliveryStatus",
    "FolderAutomation",
    "PartnerApp",
    "ReasonCode",
]
