from .document import Channel, Document, DocumentStatus
from .folder import Folder, FolderTemplate

__all__ = ["Channel", "Document", "DocumentStatus", "Folder", "FolderTemplate"]
