"""What the GED announces. It knows nothing of who listens (partner apps do).

All are sent inside the transaction that made the change: a receiver's writes commit or roll
back with it, and a receiver that raises undoes the change.

- `document_deposited(document, by, first_of_its_bytes)`: a document entered the GED, by any
  channel. `first_of_its_bytes`: no document of the company, kept or in the trash, had these
  bytes before (a listener need not look for earlier copies).
- `document_moved(document, from_folder, by)`: a document went to another folder.
- `folder_moved(folder, from_parent, by)`: a folder, with its content, went elsewhere.
- `documents_trashed(company, document_ids, by)`: documents went to the trash, one by one or
  with their folder.
- `documents_purging(document_ids)`: these documents are about to be deleted for good (trash
  retention, a company's offboarding). A listener deletes its own rows that point at them (a
  `PROTECT` foreign key would otherwise refuse the deletion, which then rolls back whole).
"""

from django.dispatch import Signal

document_deposited = Signal()
document_moved = Signal()
folder_moved = Signal()
documents_trashed = Signal()
documents_purging = Signal()
