"""Hosts and tenancy: which host serves which cabinet, and what the platform's own host
serves."""

from .base import PRODUCTION, env

# Cabinets answer on `<slug>.<PORTAL_DOMAIN>` or on one of their custom domains. The bare
# PORTAL_DOMAIN is the platform's own host (Django admin, email webhooks).
PORTAL_DOMAIN = env("PORTAL_DOMAIN", default="localhost").lower().strip(".")
# Scheme and port of the links the portal sends by email (invitations, password resets).
PORTAL_SCHEME = "https" if PRODUCTION else env("PORTAL_SCHEME", default="http")
PORTAL_PORT = env("PORTAL_PORT", default="" if PRODUCTION else "8000")
# Embedded mode only: the bare PORTAL_DOMAIN also serves this cabinet, so that
# http://localhost:8000/ reaches the demo cabinet. Never in production.
BARE_DOMAIN_CABINET = None if PRODUCTION else (env("BARE_DOMAIN_CABINET", default="demo") or None)
# Paths served on the platform's own host (the favicon too: the admin's pages name none, so
# browsers ask for /favicon.ico); on a cabinet's host the admin does not exist.
PLATFORM_PATH_PREFIXES = ("/admin/", "/anymail/", "/favicon.ico")
PLATFORM_ONLY_PATH_PREFIXES = ("/admin/",)
# The platform's on every host, an unknown one too (a load balancer or Prometheus asks each node
# by its address), without a look-up of the host: the probes and the metrics, which name no
# cabinet.
ANY_HOST_PATHS = ("/healthz", "/readyz", "/metrics")

# The host is checked against the cabinets by CabinetHostMiddleware, which answers 404 to every
# host that is neither the platform's nor a cabinet's (custom domains live in the database).
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
