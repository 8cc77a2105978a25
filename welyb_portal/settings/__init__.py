"""Settings of the portal, read from the environment (`DJANGO_SETTINGS_MODULE =
"welyb_portal.settings"`).

Every variable has an embedded default that needs no service: SQLite under `var/`, tasks run
in-process once the transaction commits, emails written to `var/outbox/`, files under
`var/media/`. `PRODUCTION=true` switches on the hardened mode in which
`manage.py check --deploy` has nothing to say. README.md lists every variable.

One module per concern, in this order (each imports by name what it takes from those before it;
the order below is the reading order, not sorted):

- `base`: the mode, `VAR_DIR`, the secret key, the language and time zone;
- `hosts`: which host serves which cabinet;
- `applications`: apps, middleware, templates, and the apps' extension points;
- `data`: the database, the cache, static files, the documents' storage;
- `documents`: the GED's limits, deposit by email, the trash, request bodies;
- `accounts`: users, staff sessions and two-factor codes, the login lock, password resets;
- `api`: the REST API and its tokens;
- `emails`, `inqom`: the email transport, and the Inqom connector's sender and limit;
- `tasks`, `outbox`, `notifications`: Celery, the deliveries' outbox, staff's digests;
- `schedule`: the one beat schedule, and the broker's visibility timeout;
- `security`, `operations`: production hardening; metrics, logs and Sentry.

This package and the root URLconf are the composition root: the only places that name every app.
"""

# ruff: noqa: F403, I001
from .base import *
from .hosts import *
from .applications import *
from .data import *
from .documents import *
from .accounts import *
from .api import *
from .emails import *
from .inqom import *
from .tasks import *
from .outbox import *
from .notifications import *
from .schedule import *
from .security import *
from .operations import *
