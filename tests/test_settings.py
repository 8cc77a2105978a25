"""The settings as an operator meets them: hardened with PRODUCTION=true, runnable with no
service at all otherwise. Each check runs `manage.py` or imports the settings in a fresh
process, with an environment built for the occasion."""

import ast
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

# What the settings read; a test about defaults starts without any of them.
SETTINGS_VARIABLES = (
    "PRODUCTION",
    "DEBUG",
    "SECRET_KEY",
    "VAR_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "ALLOWED_HOSTS",
    "PORTAL_DOMAIN",
    "PORTAL_SCHEME",
    "PORTAL_PORT",
    "BARE_DOMAIN_CABINET",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "DEFAULT_FROM_EMAIL",
    "INQOM_SENDER_EMAIL",
    "DJANGO_SETTINGS_MODULE",
    "AWS_STORAGE_BUCKET_NAME",
    "LOGIN_FAILURE_LIMIT",
    "LOGIN_LOCK_MINUTES",
    "SESSION_IDLE_MINUTES",
    "EMAIL_TIMEOUT",
    "DELIVERY_SWEEP_SECONDS",
    "FAILURE_DIGEST_SECONDS",
    "FAILURE_DIGEST_GATHER_SECONDS",
    "FAILURE_DIGEST_SWEEP_SECONDS",
)


def clean_env(**variables: str) -> dict[str, str]:
    """The current environment without anything the settings read, plus `variables`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(("ANYMAIL_", "CELERY_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "welyb_portal.settings"
    env.update(variables)
    return env


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run("manage.py", *args, env=env)


def random_secret_key() -> str:
    key = secrets.token_urlsafe(48)
    assert len(key) == 64
    return key


def warning_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "WARNING" in line or ".W0" in line]


# --- Production --------------------------------------------------------------------------------


def test_production_mode_passes_the_deployment_checklist_without_a_warning():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=clean_env(PRODUCTION="true", SECRET_KEY=random_secret_key()),
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert warning_lines(output) == [], output
    assert "System check identified no issues" in output


# One HTTPS and one plain request to a production process, through Django's test client.
PRINT_PRODUCTION_HEADERS = """
import json
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
secure = client.get("/healthz", secure=True)
plain = client.get("/healthz")
print(json.dumps({
    "status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "plain_hsts": plain.get("Strict-Transport-Security"),
}))
"""


def test_production_mode_sends_hsts_over_https_and_redirects_plain_http(tmp_path):
    database = tmp_path / "db.sqlite3"
    result = run(
        "-c",
        PRINT_PRODUCTION_HEADERS,
        env=clean_env(
            PRODUCTION="true",
            SECRET_KEY=random_secret_key(),
            DATABASE_URL=f"sqlite:///{database}",
        ),
    )

    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["status"] == 200
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in answers["csp"]
    assert answers["plain_status"] == 301
    assert answers["plain_location"] == "https://localhost/healthz"
    assert answers["plain_hsts"] is None


def test_without_production_mode_the_deployment_checklist_complains():
    """The counterpart of the test above: the same command does fail when it should."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=clean_env(SECRET_KEY=random_secret_key()),
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "security.W018" in output  # DEBUG is on
    assert warning_lines(output)


@pytest.mark.parametrize("secret_key", [None, ""], ids=["secret_key_unset", "secret_key_empty"])
def test_production_mode_without_a_secret_key_refuses_to_start(secret_key):
    env = clean_env(PRODUCTION="true")
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key

    result = manage("check", env=env)

    assert result.returncode != 0, result.stdout
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_every_model_change_has_its_migration(tmp_path):
    result = manage(
        "makemigrations",
        "--check",
        "--dry-run",
        env=clean_env(VAR_DIR=str(tmp_path)),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


# --- Embedded defaults ---------------------------------------------------------------------------

PRINT_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
from welyb_portal.celery import app
from partner_apps.tasks import deliver
database = settings.DATABASES["default"]
print(json.dumps({
    "base_dir": str(settings.BASE_DIR),
    "production": settings.PRODUCTION,
    "debug": settings.DEBUG,
    "database_engine": database["ENGINE"],
    "database_name": str(database["NAME"]),
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "celery_broker_url": settings.CELERY_BROKER_URL,
    "celery_always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "celery_app_always_eager": app.conf.task_always_eager,
    "email_backend": settings.EMAIL_BACKEND,
    "email_file_path": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "media_root": str(settings.MEDIA_ROOT),
    "storage_location": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
    "storage_base_url": settings.STORAGES["default"]["OPTIONS"].get("base_url"),
    "portal_domain": settings.PORTAL_DOMAIN,
    "inqom_sender": settings.INQOM_SENDER_EMAIL,
    "axes_failure_limit": settings.AXES_FAILURE_LIMIT,
    "axes_cooloff_seconds": settings.AXES_COOLOFF_TIME.total_seconds(),
    "first_backend": settings.AUTHENTICATION_BACKENDS[0],
    "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    "email_timeout": settings.EMAIL_TIMEOUT,
    "anymail_timeout": settings.ANYMAIL["REQUESTS_TIMEOUT"],
    "sweep_seconds": settings.DELIVERY_SWEEP_SECONDS,
    "sending_lease": settings.DELIVERY_SENDING_TIMEOUT_SECONDS,
    "deliver_limits": [deliver.soft_time_limit, deliver.time_limit],
    "failure_digest": [
        settings.FAILURE_DIGEST_SECONDS,
        settings.FAILURE_DIGEST_GATHER_SECONDS,
        settings.FAILURE_DIGEST_SWEEP_SECONDS,
    ],
    "digest_sweep": settings.CELERY_BEAT_SCHEDULE["tenancy-notification-digest-sweep"],
    "visibility_timeout": settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
    "body_limits": {
        "DATA_UPLOAD_MAX_MEMORY_SIZE": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "DOCUMENT_MAX_MB": settings.DOCUMENT_MAX_MB,
        "UPLOAD_MAX_REQUEST_MB": settings.UPLOAD_MAX_REQUEST_MB,
        "INBOUND_MAX_BODY_MB": settings.INBOUND_MAX_BODY_MB,
    },
    "upload_handlers": settings.FILE_UPLOAD_HANDLERS,
    "api_token_days": settings.API_TOKEN_DAYS,
    "token_purge": settings.CELERY_BEAT_SCHEDULE["tenancy-api-token-purge"]["task"],
    "trash_retention_days": settings.TRASH_RETENTION_DAYS,
    "password_reset_limits": [
        settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR,
        settings.PASSWORD_RESET_PER_IP_PER_HOUR,
    ],
}))
"""


def embedded_settings(**variables: str) -> dict:
    result = run("-c", PRINT_SETTINGS, env=clean_env(**variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def defaults() -> dict:
    return embedded_settings()


def test_defaults_need_no_service_and_keep_their_data_under_var(defaults):
    var = PROJECT_DIR / "var"
    assert defaults["base_dir"] == str(PROJECT_DIR)
    assert defaults["production"] is False
    assert defaults["database_engine"] == "django.db.backends.sqlite3"
    assert Path(defaults["database_name"]) == var / "db.sqlite3"
    assert Path(defaults["media_root"]) == var / "media"
    assert Path(defaults["storage_location"]) == var / "media"
    assert defaults["storage_base_url"] is None  # client documents have no public URL


def test_defaults_run_tasks_in_process(defaults):
    assert defaults["celery_always_eager"] is True
    assert defaults["celery_app_always_eager"] is True
    assert defaults["celery_broker_url"] == "memory://localhost/"
    assert defaults["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"


def test_defaults_write_emails_to_the_outbox_under_var(defaults):
    assert defaults["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(defaults["email_file_path"]) == PROJECT_DIR / "var" / "outbox"
    assert defaults["inqom_sender"] == "no-reply@welyb.fr"
    assert defaults["portal_domain"] == "localhost"


def test_login_locks_after_ten_failures_for_a_quarter_of_an_hour_by_default(defaults):
    assert defaults["axes_failure_limit"] == 10
    assert defaults["axes_cooloff_seconds"] == 15 * 60
    assert defaults["first_backend"] == "axes.backends.AxesStandaloneBackend"


def test_login_lock_limits_come_from_the_environment(tmp_path):
    configured = embedded_settings(
        VAR_DIR=str(tmp_path), LOGIN_FAILURE_LIMIT="5", LOGIN_LOCK_MINUTES="60"
    )

    assert configured["axes_failure_limit"] == 5
    assert configured["axes_cooloff_seconds"] == 60 * 60


def test_staff_sessions_end_after_two_idle_hours_by_default(defaults):
    assert defaults["session_idle_minutes"] == 120


def test_the_staff_idle_limit_comes_from_the_environment(tmp_path):
    configured = embedded_settings(VAR_DIR=str(tmp_path), SESSION_IDLE_MINUTES="15")

    assert configured["session_idle_minutes"] == 15


def test_an_idle_limit_under_a_minute_stops_the_start(tmp_path):
    result = run(
        "-c", PRINT_SETTINGS, env=clean_env(VAR_DIR=str(tmp_path), SESSION_IDLE_MINUTES="0")
    )

    assert result.returncode != 0
    assert "SESSION_IDLE_MINUTES must be 1 or more." in result.stderr


def test_the_notification_digest_goes_at_most_every_ten_minutes_by_default(defaults):
    assert defaults["failure_digest"] == [600, 60, 60]
    assert defaults["digest_sweep"] == {
        "task": "welyb_portal.tenancy.tasks.sweep_notification_digests",
        "schedule": 60,
    }


def test_the_digest_delays_come_from_the_environment(tmp_path):
    configured = embedded_settings(
        VAR_DIR=str(tmp_path),
        FAILURE_DIGEST_SECONDS="7200",
        FAILURE_DIGEST_GATHER_SECONDS="0",
        FAILURE_DIGEST_SWEEP_SECONDS="5",
    )

    assert configured["failure_digest"] == [7200, 0, 5]
    assert configured["digest_sweep"]["schedule"] == 5
    # A digest waiting for its window stays in Redis without being handed out twice.
    assert configured["visibility_timeout"] >= 2 * 7200


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"FAILURE_DIGEST_SECONDS": "-1"}, "FAILURE_DIGEST"),
        ({"FAILURE_DIGEST_SWEEP_SECONDS": "0"}, "FAILURE_DIGEST"),
        ({"API_TOKEN_DAYS": "0"}, "API_TOKEN_DAYS"),
        ({"TRASH_RETENTION_DAYS": "0"}, "TRASH_RETENTION_DAYS"),
        ({"PASSWORD_RESET_PER_IP_PER_HOUR": "-1"}, "PASSWORD_RESET_PER_IP_PER_HOUR"),
    ],
)
def test_a_delay_or_limit_that_makes_no_sense_stops_the_start(tmp_path, variables, named):
    result = run("-c", PRINT_SETTINGS, env=clean_env(VAR_DIR=str(tmp_path), **variables))

    assert result.returncode != 0
    assert named in result.stderr


def test_api_tokens_expire_after_thirty_days_of_disuse_by_default(defaults):
    assert defaults["api_token_days"] == 30
    assert defaults["token_purge"] == "welyb_portal.tenancy.tasks.purge_expired_api_tokens"


def test_the_trash_keeps_its_content_thirty_days_by_default_or_as_configured(defaults, tmp_path):
    assert defaults["trash_retention_days"] == 30
    configured = embedded_settings(VAR_DIR=str(tmp_path), TRASH_RETENTION_DAYS="90")
    assert configured["trash_retention_days"] == 90


def test_password_resets_are_limited_per_address_and_per_ip_by_default(defaults):
    assert defaults["password_reset_limits"] == [3, 20]


def test_token_days_and_reset_limits_come_from_the_environment(tmp_path):
    configured = embedded_settings(
        VAR_DIR=str(tmp_path),
        API_TOKEN_DAYS="7",
        PASSWORD_RESET_PER_ADDRESS_PER_HOUR="5",
        PASSWORD_RESET_PER_IP_PER_HOUR="0",
    )

    assert configured["api_token_days"] == 7
    assert configured["password_reset_limits"] == [5, 0]


def test_real_services_replace_the_embedded_defaults_when_configured(tmp_path):
    """The counterpart of the defaults: each variable does switch its service on."""
    configured = embedded_settings(
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://portail:secret@db.example:5432/portail",
        REDIS_URL="redis://cache.example:6379/0",
        EMAIL_URL="smtp://mail.example:2525",
    )

    assert configured["database_engine"] == "django.db.backends.postgresql"
    assert configured["celery_always_eager"] is False
    assert configured["celery_app_always_eager"] is False
    assert configured["celery_broker_url"] == "redis://cache.example:6379/0"
    assert configured["cache_backend"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert configured["email_host"] == "mail.example"


def test_a_crashed_workers_delivery_leaves_again_within_two_minutes_by_default(defaults):
    """A live worker finishes or fails a send within the deliver task's limits, which the
    lease of a "sending" delivery outlasts; a dead worker's delivery is taken back by the
    first sweep after its lease: 70 s + 30 s with the defaults."""
    soft, hard = defaults["deliver_limits"]
    assert (defaults["email_timeout"], defaults["anymail_timeout"]) == (30, 30)
    assert soft == 2 * defaults["email_timeout"] < hard < defaults["sending_lease"]
    assert defaults["sending_lease"] + defaults["sweep_seconds"] <= 120


def test_the_lease_follows_the_email_timeout(tmp_path):
    configured = embedded_settings(VAR_DIR=str(tmp_path), EMAIL_TIMEOUT="3")

    assert configured["deliver_limits"] == [6, 11]
    assert configured["sending_lease"] == 16
    assert configured["anymail_timeout"] == 3


def test_bodies_are_read_as_django_reads_them_but_for_documents_and_inbound_emails(defaults):
    assert defaults["body_limits"] == {
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 2_621_440,
        "DOCUMENT_MAX_MB": 100,
        "UPLOAD_MAX_REQUEST_MB": 200,
        "INBOUND_MAX_BODY_MB": 50,
    }
    assert defaults["upload_handlers"] == [
        "welyb_portal.tenancy.upload_handlers.BoundedUploadHandler"
    ]


def test_the_deposit_forms_cap_follows_the_documents_and_the_inbound_cap_is_configured(tmp_path):
    configured = embedded_settings(
        VAR_DIR=str(tmp_path), DOCUMENT_MAX_MB="300", INBOUND_MAX_BODY_MB="40"
    )

    assert configured["body_limits"]["UPLOAD_MAX_REQUEST_MB"] == 600
    assert configured["body_limits"]["INBOUND_MAX_BODY_MB"] == 40


def test_a_deposit_form_smaller_than_one_document_stops_the_start(tmp_path):
    result = run(
        "-c",
        PRINT_SETTINGS,
        env=clean_env(VAR_DIR=str(tmp_path), DOCUMENT_MAX_MB="100", UPLOAD_MAX_REQUEST_MB="50"),
    )

    assert result.returncode != 0
    assert "UPLOAD_MAX_REQUEST_MB must be DOCUMENT_MAX_MB or more" in result.stderr


def test_a_short_metrics_token_is_refused_at_start():
    """/metrics answers on every host: its token must not be guessable."""
    result = manage("check", env=clean_env(METRICS_TOKEN="secret"))
    assert result.returncode != 0
    assert "METRICS_TOKEN must be 32 characters or more" in result.stderr
    assert manage("check", env=clean_env(METRICS_TOKEN="m" * 32)).returncode == 0


# --- The README ----------------------------------------------------------------------------------


def variables_read_by_the_settings() -> set[str]:
    """Every name the settings package reads from the environment by name: `env("X", …)`,
    `env.int("X", …)` and the like, `os.environ.get("X")`."""
    names = set()
    for module in (PROJECT_DIR / "welyb_portal" / "settings").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name, function = node.args[0], ast.unparse(node.func)
            reads = function == "env" or function.startswith("env.") or function == "os.environ.get"
            if reads and isinstance(name, ast.Constant) and isinstance(name.value, str):
                names.add(name.value)
    return names


def test_every_variable_the_settings_read_is_in_the_readmes_configuration():
    readme = (PROJECT_DIR / "README.md").read_text()
    variables = variables_read_by_the_settings()

    assert {"DATABASE_URL", "EMAIL_URL", "LOGIN_LOCK_MINUTES", "SENTRY_RELEASE"} <= variables
    assert sorted(name for name in variables if f"`{name}`" not in readme) == []
