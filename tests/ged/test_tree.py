"""The default tree: what a new company gets, how a cabinet edits it, and the yearly
"Dossier comptable annuel" created by the command and by Celery beat."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from ged.models import Folder, FolderTemplate
from ged.selectors import folder_tree
from ged.services.tree import folder_template_update
from ged.tasks import create_annual_folders
from tests.factories import CabinetFactory, CompanyFactory
from tests.helpers.documents import folder_at
from welyb_portal.tenancy.models import AuditEntry
from welyb_portal.tenancy.services.companies import company_create

PROJECT_DIR = Path(__file__).resolve().parents[2]

DEFAULT_ANNUAL = ["Achats", "Ventes", "Notes de frais", "Banque", "Fiscal", "Social"]
DEFAULT_PERMANENT = ["Administratif/Juridique", "Administratif/Contrats"]


def tree_of(company) -> set[str]:
    return {node.path for node in folder_tree(company=company)}


def expected_tree(year: int, annual: list[str], permanent: list[str]) -> set[str]:
    annual_folder = f"Dossier comptable annuel {year}"
    paths = {annual_folder} | {f"{annual_folder}/{name}" for name in annual}
    for path in permanent:
        parts = path.split("/")
        paths |= {"/".join(parts[: i + 1]) for i in range(len(parts))}
    return paths


def this_year() -> int:
    return timezone.localdate().year


def annual_folders(year: int):
    return Folder.objects.filter(
        parent=None, name=f"Dossier comptable annuel {year}", trashed_at__isnull=True
    )


# --- A new company's tree -------------------------------------------------------------------------


def test_a_new_company_gets_this_years_accounting_folder_and_the_administrative_folders(world):
    company = company_create(cabinet=world.a.cabinet, name="Fromagerie Alpha", by=world.a.admin)

    assert tree_of(company) == {
        f"Dossier comptable annuel {this_year()}",
        f"Dossier comptable annuel {this_year()}/Achats",
        f"Dossier comptable annuel {this_year()}/Ventes",
        f"Dossier comptable annuel {this_year()}/Notes de frais",
        f"Dossier comptable annuel {this_year()}/Banque",
        f"Dossier comptable annuel {this_year()}/Fiscal",
        f"Dossier comptable annuel {this_year()}/Social",
        "Administratif",
        "Administratif/Juridique",
        "Administratif/Contrats",
    }
    assert Folder.objects.filter(company=company).count() == 10
    assert set(Folder.objects.filter(company=company).values_list("created_by", flat=True)) == {
        world.a.admin.pk
    }


def test_the_new_tree_is_created_with_the_company_and_only_for_it(world):
    company_create(cabinet=world.a.cabinet, name="Fromagerie Alpha", by=world.a.admin)

    for other in (world.a.company, world.a.other_company, world.b.company):
        assert tree_of(other) == set()


# --- The cabinet's template -----------------------------------------------------------------------


def test_an_edited_template_applies_to_new_companies_only(world):
    cabinet, admin = world.a.cabinet, world.a.admin
    before = company_create(cabinet=cabinet, name="Ancienne SARL", by=admin)
    before_tree = tree_of(before)

    folder_template_update(
        cabinet=cabinet,
        annual_subfolders=["  Achats ", "Ventes", "Immobilisations", "achats"],
        permanent_folders=["Juridique/Statuts", "RH", ""],
        by=admin,
    )
    after = company_create(cabinet=cabinet, name="Nouvelle SAS", by=admin)
    in_other_cabinet = company_create(cabinet=world.b.cabinet, name="Voisine", by=world.b.admin)

    assert tree_of(before) == before_tree
    assert tree_of(after) == expected_tree(
        this_year(), ["Achats", "Ventes", "Immobilisations"], ["Juridique/Statuts", "RH"]
    )
    assert tree_of(in_other_cabinet) == expected_tree(
        this_year(), DEFAULT_ANNUAL, DEFAULT_PERMANENT
    )


def test_editing_the_template_is_written_in_the_audit_trail_with_old_and_new(world):
    cabinet, admin = world.a.cabinet, world.a.admin

    folder_template_update(
        cabinet=cabinet, annual_subfolders=["Achats", "Ventes"], permanent_folders=["RH"], by=admin
    )
    folder_template_update(
        cabinet=cabinet, annual_subfolders=["Achats"], permanent_folders=["RH"], by=admin
    )

    first, second = AuditEntry.objects.filter(
        cabinet=cabinet, action="folder_template.changed"
    ).order_by("id")
    assert first.actor == admin
    assert first.data == {
        "old": {"annual_subfolders": DEFAULT_ANNUAL, "permanent_folders": DEFAULT_PERMANENT},
        "new": {"annual_subfolders": ["Achats", "Ventes"], "permanent_folders": ["RH"]},
    }
    assert second.data == {
        "old": {"annual_subfolders": ["Achats", "Ventes"], "permanent_folders": ["RH"]},
        "new": {"annual_subfolders": ["Achats"], "permanent_folders": ["RH"]},
    }
    assert not AuditEntry.objects.filter(cabinet=world.b.cabinet).exists()


def test_saving_the_template_unchanged_writes_no_audit_entry(world):
    folder_template_update(
        cabinet=world.a.cabinet,
        annual_subfolders=DEFAULT_ANNUAL,
        permanent_folders=DEFAULT_PERMANENT,
        by=world.a.admin,
    )

    assert not AuditEntry.objects.filter(action="folder_template.changed").exists()


@pytest.mark.parametrize(
    ("annual", "permanent", "refusal"),
    [
        (
            ["Achats", "", "Ventes/Export"],
            DEFAULT_PERMANENT,
            {
                "annual_subfolders": [
                    "Ligne 3 : Le nom d'un dossier ne peut pas contenir « / » ni « \\ »."
                ]
            },
        ),
        (
            ["Achats", "\x00\x07"],
            DEFAULT_PERMANENT,
            {"annual_subfolders": ["Ligne 2 : Donnez un nom au dossier."]},
        ),
        (
            DEFAULT_ANNUAL,
            ["Administratif/Juridique", "Social/" + "x" * 101],
            {"permanent_folders": ["Ligne 2 : Nom trop long (100 caractères au plus)."]},
        ),
        (
            DEFAULT_ANNUAL,
            ["Administratif//Contrats"],
            {"permanent_folders": ["Ligne 1 : Donnez un nom au dossier."]},
        ),
        (
            DEFAULT_ANNUAL,
            ["Administratif/.."],
            {"permanent_folders": ["Ligne 1 : Ce nom de dossier n'est pas permis."]},
        ),
    ],
    ids=["slash_in_a_name", "control_characters_only", "too_long", "empty_part", "dot_dot"],
)
def test_a_bad_template_line_is_refused_with_its_line_number_and_nothing_changes(
    world, annual, permanent, refusal
):
    with pytest.raises(ValidationError) as error:
        folder_template_update(
            cabinet=world.a.cabinet,
            annual_subfolders=annual,
            permanent_folders=permanent,
            by=world.a.admin,
        )

    assert error.value.message_dict == refusal
    assert not FolderTemplate.objects.exists()
    assert not AuditEntry.objects.filter(action="folder_template.changed").exists()
    company = company_create(cabinet=world.a.cabinet, name="Nouvelle SAS", by=world.a.admin)
    assert tree_of(company) == expected_tree(this_year(), DEFAULT_ANNUAL, DEFAULT_PERMANENT)


# --- The yearly folders: command ------------------------------------------------------------------


def run_command(**options) -> str:
    out = io.StringIO()
    call_command("create_annual_folders", stdout=out, **options)
    return out.getvalue()


def test_the_command_creates_the_years_folder_with_the_template_for_every_company(world):
    folder_template_update(
        cabinet=world.a.cabinet,
        annual_subfolders=["Achats", "Immobilisations"],
        permanent_folders=[],
        by=world.a.admin,
    )
    asleep = CabinetFactory(slug="gamma", name="Cabinet en sommeil", is_active=False)
    asleep_company = CompanyFactory(cabinet=asleep, name="Client en sommeil")

    output = run_command(year=2027)

    assert output.strip() == "« Dossier comptable annuel 2027 » créé pour 4 entreprises."
    for company in (world.a.company, world.a.other_company):
        assert tree_of(company) == expected_tree(2027, ["Achats", "Immobilisations"], [])
    for company in (world.b.company, world.b.other_company):
        assert tree_of(company) == expected_tree(2027, DEFAULT_ANNUAL, [])
    assert tree_of(asleep_company) == set()


def test_running_the_command_twice_creates_nothing_more(world):
    run_command(year=2027)
    count = Folder.objects.count()
    assert count == 4 * (1 + len(DEFAULT_ANNUAL))

    output = run_command(year=2027)

    assert output.strip() == "« Dossier comptable annuel 2027 » créé pour 0 entreprise."
    assert Folder.objects.count() == count
    assert annual_folders(2027).count() == 4


def test_a_company_that_already_has_the_years_folder_is_left_as_it_is(world):
    existing = folder_at(world.a.company, "dossier comptable annuel 2027/Mes achats")

    output = run_command(year=2027)

    assert "créé pour 3 entreprises" in output
    assert tree_of(world.a.company) == {existing.parent.name, f"{existing.parent.name}/Mes achats"}


def test_another_year_is_created_beside_the_previous_one(world):
    run_command(year=2027)

    run_command(year=2028)

    assert annual_folders(2027).count() == 4
    assert annual_folders(2028).count() == 4


@pytest.mark.parametrize("year", [1999, 2101])
def test_the_command_refuses_an_unlikely_year(world, year):
    with pytest.raises(CommandError, match=r"Année attendue entre 2000 et 2100\."):
        run_command(year=year)

    assert not Folder.objects.exists()


def test_the_command_defaults_to_this_year(world):
    output = run_command()

    assert f"« Dossier comptable annuel {this_year()} » créé pour 4 entreprises." in output
    assert annual_folders(this_year()).count() == 4


# --- The yearly folders: Celery beat --------------------------------------------------------------


def test_the_beat_schedule_runs_the_annual_folders_task_on_the_first_of_january(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ged-annual-folders"]

    assert entry["task"] == "ged.tasks.create_annual_folders"
    assert entry["schedule"].month_of_year == {1}
    assert entry["schedule"].day_of_month == {1}
    assert create_annual_folders.name == entry["task"]


BEAT_TASKS = """
import json
import django
django.setup()
from django.conf import settings
from welyb_portal import celery_app
celery_app.loader.import_default_modules()  # what a worker and beat do when they start
print(json.dumps({
    name: entry["task"] in celery_app.tasks
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
}))
"""


def test_every_beat_entry_names_a_task_a_fresh_worker_knows(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "AWS_STORAGE_BUCKET_NAME", "PRODUCTION"}
    }
    env.update(DJANGO_SETTINGS_MODULE="welyb_portal.settings", VAR_DIR=str(tmp_path))

    result = subprocess.run(
        [sys.executable, "-c", BEAT_TASKS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    known = json.loads(result.stdout.strip().splitlines()[-1])
    assert known["ged-annual-folders"] is True
    assert all(known.values()), known


def test_the_yearly_task_run_eagerly_creates_this_years_folders(world):
    result = create_annual_folders.delay()

    assert result.get() == 4
    assert annual_folders(this_year()).count() == 4
    for company in (world.a.company, world.b.other_company):
        assert tree_of(company) == expected_tree(this_year(), DEFAULT_ANNUAL, [])
    assert create_annual_folders.delay().get() == 0
