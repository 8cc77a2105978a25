"""The session engine: Django's database sessions, with the keys it hands out and no other."""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """A cookie whose key holds anything but the characters of the keys Django generates (a
    NUL, which PostgreSQL refuses in a query and which a quoted cookie may carry as `\\000`)
    is no session at all: the visitor is anonymous, as with an unknown key."""

    def _validate_session_key(self, key):
        # Django's SessionBase has it; its stubs do not.
        valid = super()._validate_session_key(key)  # type: ignore[misc]
        return valid and all(c in VALID_KEY_CHARS for c in key)
