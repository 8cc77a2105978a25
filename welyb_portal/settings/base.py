"""The mode (embedded, or PRODUCTION), where the embedded mode keeps its data, the secret
key; the language and the time zone."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = False if PRODUCTION else env.bool("DEBUG", default=True)
# Embedded mode keeps its database, files and emails here (git ignores it).
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
if not PRODUCTION:
    VAR_DIR.mkdir(exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "PRODUCTION=true needs SECRET_KEY: a long random value (50 characters or more), "
            "kept out of the code."
        )
else:
    SECRET_KEY = env("SECRET_KEY", default="embedded-mode-only-this-key-is-public-never-deploy-it")

# --- Language and time -------------------------------------------------------------------------

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
