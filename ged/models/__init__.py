from .document import Channel, Document, DocumentStatus
from .folder import Folder, FolderTemplate
from .inbound import InboundAddress, InboundEmail, InboundPolicy, InboundStatus, InboundTarget

__all__ = [
    "Channel",
    "Document",
    "DocumentStatus",
    "Folder",
    "FolderTemplate",
    "InboundAddress",
    "InboundEmail",
    "InboundPolicy",
    "InboundStatus",
    "InboundTarget",
]
