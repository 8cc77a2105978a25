"""Deposit by email, as a company's clients and its cabinet live it: the company's addresses,
who may deposit, what each email files where, what is refused and why (recorded, never an
exception), redelivered events, forwarding to Inqom, and the receipt to the sender."""

import base64
import email.utils

import pytest
from anymail.inbound import AnymailInboundMessage
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from ged.models import (
    Channel,
    Document,
    DocumentStatus,
    Folder,
    InboundAddress,
    InboundEmail,
    InboundStatus,
)
from ged.selectors import folder_at_path
from ged.services.folders import folder_trash
from ged.services.inbound_addresses import (
    inbound_address_email,
    inbound_address_folder_set,
    inbound_address_regenerate,
    inbound_addresses_ensure,
)
from ged.services.inbound_receiving import inbound_email_receive
from ged.services.inbound_senders import inbound_policy_update
from ged.services.tree import annual_folder_name
from partner_apps.models import Delivery, DeliveryStatus
from tests.factories import CompanyFactory
from tests.helpers.attention import EXE
from tests.helpers.documents import CSV, PDF, PNG, folder_at
from tests.helpers.forwarding import (
    ACHATS,
    address,
    connect,
    delivery_of,
    received,
    switch_on,
)
from tests.helpers.inbound import build, some_pdf
from tests.pages import readable
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

DOMAIN = "depot.welyb.fr"
TARGETS = ["achats", "ventes", "ndf", "a-classer"]
BASE32 = set("abcdefghijklmnopqrstuvwxyz234567")
ACHAT = address(ACHATS, "boulangerie-alpha")
STRANGER = "compta@fournisseur.fr"
MIB = 1024 * 1024

UNKNOWN_ADDRESS = "Adresse de dépôt inconnue (ou régénérée depuis)."
NO_ATTACHMENT = "Aucune pièce jointe à déposer."
NOTHING_DEPOSITED = "Aucune pièce jointe déposée."
NOT_ALLOWED = "Expéditeur non autorisé"
TOO_BIG = "Fichier trop volumineux (1 Mo maximum)"
INLINE_IGNORED = "Image intégrée au message (signature, logo)."
UNREADABLE_FILE = "Pièce jointe illisible"
UNREADABLE_EMAIL = "Email illisible"


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.INBOUND_MAX_ATTACHMENTS = 20
    settings.INBOUND_INLINE_IGNORE_KB = 30
    settings.DEFAULT_FROM_EMAIL = "no-reply@welyb.fr"


def this_year() -> str:
    return annual_folder_name(timezone.localdate().year)


def names_of(folder: Folder) -> list[str]:
    """The folder's path of names from the root: ["Dossier comptable annuel 2026", "Achats"]."""
    names = []
    while folder is not None:
        names.insert(0, folder.name)
        folder = folder.parent
    return names


def address_of(company, target: str = "achats") -> InboundAddress:
    return next(a for a in inbound_addresses_ensure(company=company) if a.target == target)


def email_of(company, target: str = "achats") -> str:
    return inbound_address_email(address_of(company, target))


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Receives an email as the inbound webhook does, in a transaction that commits, so that
    the forwarding and the receipt it plans really happen."""

    def receive(raw: bytes, *, event_id: str | None = None) -> InboundEmail:
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
        with django_capture_on_commit_callbacks(execute=True):
            record = inbound_email_receive(message=message, event_id=event_id, esp="Mailgun")
        record.refresh_from_db()
        return record

    return receive


def outcomes(record: InboundEmail) -> list[tuple[str, str]]:
    return [(item["name"], item["outcome"]) for item in record.items]


def assert_refused(record: InboundEmail, reason: str) -> None:
    assert record.status == InboundStatus.REFUSED
    assert record.reason.startswith(reason), record.reason
    assert not Document.objects.exists()
    assert [item for item in record.items if item["outcome"] == "deposited"] == []


# --- The company's addresses ---------------------------------------------------------------------


def test_each_company_gets_four_addresses_on_the_inbound_domain(world):
    company = world.a.company

    addresses = inbound_addresses_ensure(company=company)

    assert [a.target for a in addresses] == TARGETS
    for target, row in zip(TARGETS, addresses, strict=True):
        local, _at, domain = inbound_address_email(row).partition("@")
        assert domain == DOMAIN
        assert local.startswith(f"boulangerie-alpha-{target}-")
    assert len({a.local_part for a in addresses}) == 4
    # Asked again, they are the same: an address given to clients does not change by itself.
    again = inbound_addresses_ensure(company=company)
    assert [a.local_part for a in again] == [a.local_part for a in addresses]
    assert InboundAddress.objects.filter(company=company).count() == 4


def test_addresses_follow_the_inbound_domain_setting(world, settings):
    settings.INBOUND_EMAIL_DOMAIN = "mail.cabinet-alpha.fr"

    assert email_of(world.a.company).endswith("@mail.cabinet-alpha.fr")


def test_addresses_have_a_random_part_that_cannot_be_guessed(world):
    namesake = CompanyFactory(cabinet=world.b.cabinet, name=world.a.company.name)

    mine = inbound_addresses_ensure(company=world.a.company)
    theirs = inbound_addresses_ensure(company=namesake)

    assert {a.local_part for a in mine}.isdisjoint({a.local_part for a in theirs})
    for row in [*mine, *theirs]:
        prefix = f"{slugify(world.a.company.name)}-{row.target}-"
        assert row.local_part.startswith(prefix)
        random_part = row.local_part.removeprefix(prefix)
        # Base 32: five bits a character, sixty bits at least.
        assert set(random_part) <= BASE32, random_part
        assert len(random_part) * 5 >= 60, random_part


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("achats", [None, "Achats"]),
        ("ventes", [None, "Ventes"]),
        ("ndf", [None, "Notes de frais"]),
        ("a-classer", ["À classer"]),
    ],
)
def test_each_address_files_into_its_default_folder_created_when_missing(
    world, receive, target, path
):
    alpha = world.a
    names = [this_year() if name is None else name for name in path]
    assert folder_at_path(company=alpha.company, names=names) is None

    record = receive(build(email_of(alpha.company, target), sender=alpha.client.email))

    assert record.status == InboundStatus.DEPOSITED
    [document] = Document.objects.all()
    assert names_of(document.folder) == names
    assert document.folder == folder_at_path(company=alpha.company, names=names)


def test_an_existing_default_folder_is_used_not_duplicated(world, receive):
    alpha = world.a
    achats = folder_at(alpha.company, f"{this_year()}/Achats")
    folder_at(alpha.company, "À classer")
    folders = Folder.objects.count()

    receive(build(email_of(alpha.company, "achats"), sender=alpha.client.email))
    receive(build(email_of(alpha.company, "a-classer"), sender=alpha.client.email))

    assert Folder.objects.count() == folders
    assert [d.folder for d in Document.objects.order_by("id")] == [
        achats,
        folder_at(alpha.company, "À classer"),
    ]


def test_staff_point_an_address_at_another_folder_of_the_company(world, receive):
    alpha = world.a
    contrats = folder_at(alpha.company, "Administratif/Contrats")
    achats = address_of(alpha.company, "achats")

    inbound_address_folder_set(address=achats, folder=contrats, by=alpha.collaborator)
    record = receive(build(email_of(alpha.company, "achats"), sender=alpha.client.email))

    [document] = Document.objects.all()
    assert document.folder == contrats
    assert record.items[0]["folder"] == contrats.pk
    entry = AuditEntry.objects.get(action="inbound_address.folder_changed")
    assert (entry.cabinet, entry.actor) == (alpha.cabinet, alpha.collaborator)
    assert entry.data == {"target": "achats", "old": None, "new": contrats.pk}
    # Back to the default: this year's Achats.
    inbound_address_folder_set(address=achats, folder=None, by=alpha.collaborator)
    receive(build(email_of(alpha.company, "achats"), sender=alpha.client.email))
    assert names_of(Document.objects.latest("id").folder) == [this_year(), "Achats"]


@pytest.mark.parametrize("owner", ["other_company", "other_cabinet"])
def test_an_address_cannot_point_at_another_companys_folder(world, owner):
    alpha = world.a
    company = alpha.other_company if owner == "other_company" else world.b.company
    foreign = folder_at(company, "Administratif/Contrats")
    achats = address_of(alpha.company, "achats")

    with pytest.raises(ValidationError) as refused:
        inbound_address_folder_set(address=achats, folder=foreign, by=alpha.admin)

    assert refused.value.message_dict == {"folder": ["Dossier introuvable."]}
    achats.refresh_from_db()
    assert achats.folder is None
    assert not AuditEntry.objects.filter(action="inbound_address.folder_changed").exists()


def test_an_address_whose_folder_went_to_the_trash_files_into_its_default(world, receive):
    alpha = world.a
    contrats = folder_at(alpha.company, "Administratif/Contrats")
    achats = address_of(alpha.company, "achats")
    inbound_address_folder_set(address=achats, folder=contrats, by=alpha.admin)
    folder_trash(folder=folder_at(alpha.company, "Administratif"), by=alpha.admin)

    record = receive(build(email_of(alpha.company, "achats"), sender=alpha.client.email))

    assert record.status == InboundStatus.DEPOSITED
    [document] = Document.objects.all()
    assert names_of(document.folder) == [this_year(), "Achats"]


def test_a_regenerated_address_stops_working_and_the_change_is_audited(world, receive):
    alpha = world.a
    achats = address_of(alpha.company, "achats")
    old = inbound_address_email(achats)

    inbound_address_regenerate(address=achats, by=alpha.admin)
    new = email_of(alpha.company, "achats")

    assert new != old
    assert new.startswith("boulangerie-alpha-achats-")
    refused = receive(build(old, sender=alpha.client.email))
    assert_refused(refused, UNKNOWN_ADDRESS)
    assert refused.company is None
    accepted = receive(build(new, sender=alpha.client.email))
    assert accepted.status == InboundStatus.DEPOSITED
    assert Document.objects.count() == 1
    entry = AuditEntry.objects.get(action="inbound_address.regenerated")
    assert (entry.cabinet, entry.actor, entry.target_id) == (
        alpha.cabinet,
        alpha.admin,
        str(alpha.company.pk),
    )
    assert entry.data == {"target": "achats", "old": old, "new": new}


def test_regenerating_one_address_leaves_the_others_working(world, receive):
    alpha = world.a
    ventes = email_of(alpha.company, "ventes")

    inbound_address_regenerate(address=address_of(alpha.company, "achats"), by=alpha.admin)

    assert email_of(alpha.company, "ventes") == ventes
    assert receive(build(ventes, sender=alpha.client.email)).status == InboundStatus.DEPOSITED


# --- Receiving: what each email files where ------------------------------------------------------


def test_each_attachment_becomes_a_document_deposited_by_the_client(world, receive):
    alpha = world.a
    to = email_of(alpha.company, "achats")
    raw = build(
        to,
        sender=f"Marie Client <{alpha.client.email}>",
        subject="Factures fournisseurs",
        files=[("facture-farine.pdf", some_pdf("farine")), ("ticket.png", PNG)],
    )

    record = receive(raw)

    achats = folder_at_path(company=alpha.company, names=[this_year(), "Achats"])
    documents = list(Document.objects.order_by("id"))
    assert [(d.name, d.folder, d.channel, d.deposited_by) for d in documents] == [
        ("facture-farine.pdf", achats, Channel.EMAIL, alpha.client),
        ("ticket.png", achats, Channel.EMAIL, alpha.client),
    ]
    assert [d.status for d in documents] == [DocumentStatus.PENDING] * 2
    assert (record.company, record.recipient, record.sender, record.subject) == (
        alpha.company,
        to,
        alpha.client.email,
        "Factures fournisseurs",
    )
    assert (record.status, record.reason, record.esp) == (InboundStatus.DEPOSITED, "", "Mailgun")
    assert [
        (item["name"], item["outcome"], item["document"], item["folder"]) for item in record.items
    ] == [
        ("facture-farine.pdf", "deposited", documents[0].pk, achats.pk),
        ("ticket.png", "deposited", documents[1].pk, achats.pk),
    ]
    assert [item["size"] for item in record.items] == [len(some_pdf("farine")), len(PNG)]


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_of_the_cabinet_deposit_as_themselves(world, receive, role):
    alpha = world.a
    staff = getattr(alpha, role)

    record = receive(build(email_of(alpha.company), sender=staff.email))

    assert record.status == InboundStatus.DEPOSITED
    [document] = Document.objects.all()
    assert (document.deposited_by, document.channel) == (staff, Channel.EMAIL)


def test_the_sender_is_recognised_whatever_the_case_of_the_address(world, receive):
    alpha = world.a

    record = receive(build(email_of(alpha.company), sender="Client@ALPHA.fr"))

    assert record.status == InboundStatus.DEPOSITED
    assert record.sender == "client@alpha.fr"
    assert Document.objects.get().deposited_by == alpha.client


def test_small_inline_images_are_ignored_and_a_big_inline_file_is_deposited(
    world, receive, settings
):
    alpha = world.a
    limit = settings.INBOUND_INLINE_IGNORE_KB * 1024
    logo = PNG + bytes(limit - len(PNG) - 1)
    scan = some_pdf("scan", size=limit + 1)

    record = receive(
        build(
            email_of(alpha.company),
            sender=alpha.client.email,
            inline=[("logo.png", logo), ("scan.pdf", scan)],
            files=[("facture.pdf", PDF)],
        )
    )

    assert record.status == InboundStatus.DEPOSITED
    assert sorted(Document.objects.values_list("name", flat=True)) == ["facture.pdf", "scan.pdf"]
    [ignored] = [item for item in record.items if item["outcome"] == "ignored"]
    assert (ignored["name"], ignored["size"], ignored["reason"]) == (
        "logo.png",
        len(logo),
        INLINE_IGNORED,
    )
    assert sorted(outcomes(record)) == [
        ("facture.pdf", "deposited"),
        ("logo.png", "ignored"),
        ("scan.pdf", "deposited"),
    ]


def test_an_email_with_only_a_signature_image_is_refused_for_want_of_attachment(world, receive):
    alpha = world.a

    record = receive(
        build(
            email_of(alpha.company), sender=alpha.client.email, inline=[("logo.png", PNG)], files=[]
        )
    )

    assert_refused(record, NO_ATTACHMENT)
    assert outcomes(record) == [("logo.png", "ignored")]


# --- Who may deposit -----------------------------------------------------------------------------


def test_a_client_of_another_company_of_the_cabinet_is_refused(world, receive):
    alpha = world.a

    record = receive(build(email_of(alpha.company), sender=alpha.other_client.email))

    assert_refused(record, NOT_ALLOWED)
    assert alpha.other_client.email in record.reason
    assert (record.company, record.sender) == (alpha.company, alpha.other_client.email)


@pytest.mark.parametrize("role", ["admin", "collaborator", "client"])
def test_a_user_of_the_other_cabinet_is_refused(world, receive, role):
    foreigner = getattr(world.b, role)

    record = receive(build(email_of(world.a.company), sender=foreigner.email))

    assert_refused(record, NOT_ALLOWED)
    assert record.company == world.a.company


def test_a_stranger_is_refused_by_default(world, receive):
    record = receive(build(email_of(world.a.company), sender=STRANGER))

    assert_refused(record, NOT_ALLOWED)
    assert record.items == []


def test_allowed_senders_by_address_and_by_domain(world, receive):
    alpha = world.a
    inbound_policy_update(
        company=alpha.company,
        accept_anyone=False,
        allowed_senders="Compta@Fournisseur.fr\n@expert-comptable.fr\n",
        send_receipt=False,
        by=alpha.admin,
    )
    to = email_of(alpha.company)

    by_address = receive(build(to, sender=STRANGER, files=[("a.pdf", some_pdf("a"))]))
    by_domain = receive(
        build(to, sender="paul@expert-comptable.fr", files=[("b.pdf", some_pdf("b"))])
    )
    same_domain_other_address = receive(build(to, sender="direction@fournisseur.fr"))
    lookalike_domain = receive(build(to, sender="paul@faux-expert-comptable.fr"))

    assert by_address.status == by_domain.status == InboundStatus.DEPOSITED
    assert same_domain_other_address.status == lookalike_domain.status == InboundStatus.REFUSED
    # Allowed senders are not users: nobody is named as the depositor.
    assert list(Document.objects.order_by("id").values_list("name", "deposited_by")) == [
        ("a.pdf", None),
        ("b.pdf", None),
    ]


def test_an_address_open_to_everyone_accepts_anyone_without_naming_them(world, receive):
    alpha = world.a
    inbound_policy_update(
        company=alpha.company,
        accept_anyone=True,
        allowed_senders="",
        send_receipt=False,
        by=alpha.admin,
    )
    to = email_of(alpha.company)
    senders = [STRANGER, alpha.other_client.email, world.b.admin.email, alpha.client.email]

    records = [
        receive(build(to, sender=sender, files=[(f"{n}.pdf", some_pdf(str(n)))]))
        for n, sender in enumerate(senders)
    ]

    assert [r.status for r in records] == [InboundStatus.DEPOSITED] * 4
    # Only a user of the company is named; a client of another company, or someone of another
    # cabinet, deposits as nobody.
    assert list(Document.objects.order_by("id").values_list("name", "deposited_by")) == [
        ("0.pdf", None),
        ("1.pdf", None),
        ("2.pdf", None),
        ("3.pdf", alpha.client.pk),
    ]


def test_opening_one_company_does_not_open_the_others(world, receive):
    alpha = world.a
    inbound_policy_update(
        company=alpha.other_company,
        accept_anyone=True,
        allowed_senders=STRANGER,
        send_receipt=False,
        by=alpha.admin,
    )

    record = receive(build(email_of(alpha.company), sender=STRANGER))

    assert_refused(record, NOT_ALLOWED)


# --- Refused and recorded, never an exception ----------------------------------------------------


@pytest.mark.parametrize(
    "to",
    [
        f"inconnue-achats-abcdefghijklm@{DOMAIN}",
        # The right local part on another domain is not a deposit address.
        "KNOWN@autre-domaine.fr",
    ],
)
def test_an_email_to_an_unknown_address_is_refused(world, receive, to):
    alpha = world.a
    to = to.replace("KNOWN", address_of(alpha.company).local_part)

    record = receive(build(to, sender=alpha.client.email))

    assert_refused(record, UNKNOWN_ADDRESS)
    assert (record.company, record.sender, record.recipient) == (
        None,
        alpha.client.email,
        to,
    )
    assert record.subject == "Factures de janvier"


def test_an_email_without_attachment_is_refused(world, receive):
    alpha = world.a

    record = receive(build(email_of(alpha.company), sender=alpha.client.email, files=[]))

    assert_refused(record, NO_ATTACHMENT)
    assert record.company == alpha.company


def test_more_attachments_than_the_limit_are_all_refused(world, receive, settings):
    alpha = world.a
    settings.INBOUND_MAX_ATTACHMENTS = 3
    files = [(f"facture-{n}.pdf", some_pdf(str(n))) for n in range(4)]

    record = receive(build(email_of(alpha.company), sender=alpha.client.email, files=files))

    assert_refused(record, "Trop de pièces jointes : 4 (3 au plus par email).")


def test_as_many_attachments_as_the_limit_are_deposited(world, receive, settings):
    alpha = world.a
    settings.INBOUND_MAX_ATTACHMENTS = 3
    files = [(f"facture-{n}.pdf", some_pdf(str(n))) for n in range(3)]

    record = receive(build(email_of(alpha.company), sender=alpha.client.email, files=files))

    assert record.status == InboundStatus.DEPOSITED
    assert Document.objects.count() == 3


def test_an_attachment_over_the_size_limit_is_refused_and_the_others_deposited(
    world, receive, settings
):
    alpha = world.a
    settings.DOCUMENT_MAX_MB = 1
    files = [
        ("facture.pdf", some_pdf("small")),
        ("releve.pdf", some_pdf("big", size=MIB + 1)),
        ("export.csv", CSV),
    ]

    record = receive(build(email_of(alpha.company), sender=alpha.client.email, files=files))

    assert record.status == InboundStatus.PARTIAL
    assert sorted(Document.objects.values_list("name", flat=True)) == ["export.csv", "facture.pdf"]
    assert outcomes(record) == [
        ("facture.pdf", "deposited"),
        ("releve.pdf", "refused"),
        ("export.csv", "deposited"),
    ]
    refused = record.items[1]
    assert (refused["reason"], refused["size"]) == (TOO_BIG, MIB + 1)
    assert "document" not in refused


def test_an_email_whose_every_attachment_is_refused_is_refused(world, receive, settings):
    alpha = world.a
    settings.DOCUMENT_MAX_MB = 1

    record = receive(
        build(
            email_of(alpha.company),
            sender=alpha.client.email,
            files=[("releve.pdf", some_pdf("big", size=MIB + 1))],
        )
    )

    assert_refused(record, NOTHING_DEPOSITED)
    assert [(item["outcome"], item["reason"]) for item in record.items] == [("refused", TOO_BIG)]


@pytest.mark.parametrize(
    ("sent_as", "filed_as"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\facture.pdf", "facture.pdf"),
        ("/var/www/.htaccess.pdf", "htaccess.pdf"),
    ],
)
def test_a_file_name_with_path_parts_is_deposited_under_a_clean_name(
    world, receive, sent_as, filed_as
):
    alpha = world.a

    record = receive(
        build(email_of(alpha.company), sender=alpha.client.email, files=[(sent_as, PDF)])
    )

    assert record.status == InboundStatus.DEPOSITED
    [document] = Document.objects.all()
    assert document.name == filed_as
    assert names_of(document.folder) == [this_year(), "Achats"]
    assert outcomes(record) == [(filed_as, "deposited")]


def _broken_base64(raw: bytes) -> bytes:
    """The PDF's base64 cut to a length no decoder accepts (one character past a multiple of
    four), as a truncated transfer leaves it."""
    encoded = base64.encodebytes(PDF)
    assert encoded in raw
    return raw.replace(encoded, encoded[:5] + b"\n", 1)


def _multipart_without_boundary(raw: bytes) -> bytes:
    """The attachment declared as a multipart whose boundary is missing: nothing to take out."""
    assert b"Content-Type: application/pdf" in raw
    return raw.replace(b"Content-Type: application/pdf", b"Content-Type: multipart/mixed", 1)


@pytest.mark.parametrize("corrupt", [_broken_base64, _multipart_without_boundary])
def test_an_attachment_that_cannot_be_decoded_is_refused_and_the_others_deposited(
    world, receive, corrupt
):
    alpha = world.a
    raw = build(
        email_of(alpha.company),
        sender=alpha.client.email,
        files=[("illisible.pdf", PDF), ("ticket.png", PNG)],
    )

    record = receive(corrupt(raw))

    assert record.status == InboundStatus.PARTIAL
    assert list(Document.objects.values_list("name", flat=True)) == ["ticket.png"]
    assert outcomes(record) == [("illisible.pdf", "refused"), ("ticket.png", "deposited")]
    assert record.items[0]["reason"].startswith(UNREADABLE_FILE), record.items[0]["reason"]


@pytest.mark.parametrize("header", ["From", "To"])
def test_an_email_whose_addresses_cannot_be_read_is_recorded_not_raised(world, receive, header):
    alpha = world.a
    raw = build(email_of(alpha.company), sender=alpha.client.email)
    head, blank, body = raw.partition(b"\n\n")
    lines = [
        f"{header}: <<<@@@>>>".encode() if line.startswith(f"{header}: ".encode()) else line
        for line in head.split(b"\n")
    ]

    record = receive(b"\n".join(lines) + blank + body, event_id="evt-unreadable")

    assert_refused(record, UNREADABLE_EMAIL)
    assert record.key.endswith(":event:Mailgun:evt-unreadable")
    assert record.subject == "Factures de janvier"


# --- The same event twice ------------------------------------------------------------------------


def test_the_same_event_received_twice_deposits_once(world, receive):
    alpha = world.a
    raw = build(email_of(alpha.company), sender=alpha.client.email)

    first = receive(raw, event_id="20260105093000.1.ABCDEF@mg.welyb.fr")
    second = receive(raw, event_id="20260105093000.1.ABCDEF@mg.welyb.fr")

    assert first.pk == second.pk
    assert Document.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_the_same_message_again_is_recorded_as_a_duplicate_and_files_nothing(world, receive):
    alpha = world.a
    to = email_of(alpha.company)
    message_id = "<CAF=facture-janvier@mail.exemple.fr>"
    # A mail server may rewrite the body on a second delivery; the Message-ID stays.
    first = receive(build(to, sender=alpha.client.email, message_id=message_id))
    second = receive(
        build(to, sender=alpha.client.email, message_id=message_id, subject="Re-livraison")
    )

    assert first.pk != second.pk
    assert (second.status, second.duplicate_of) == (InboundStatus.DUPLICATE, first)
    assert second.reason.startswith("Même message que celui reçu le ")
    assert second.subject == "Re-livraison"
    assert Document.objects.count() == 1


def test_the_same_message_id_to_two_companies_is_filed_in_both(world, receive):
    alpha = world.a
    message_id = "<CAF=facture-janvier@mail.exemple.fr>"
    staff = alpha.admin.email

    first = receive(build(email_of(alpha.company), sender=staff, message_id=message_id))
    second = receive(build(email_of(alpha.other_company), sender=staff, message_id=message_id))

    assert (first.status, second.status) == (InboundStatus.DEPOSITED, InboundStatus.DEPOSITED)
    assert sorted(Document.objects.values_list("company", flat=True)) == sorted(
        [alpha.company.pk, alpha.other_company.pk]
    )


def test_an_email_refused_elsewhere_never_hides_a_later_one_with_its_message_id(world, receive):
    alpha = world.a
    message_id = "<meme-identifiant@attaquant.example>"
    unknown = receive(build(f"inconnue@{DOMAIN}", sender=alpha.client.email, message_id=message_id))
    other_cabinet = receive(
        build(email_of(world.b.company), sender=world.b.client.email, message_id=message_id)
    )

    later = receive(
        build(email_of(alpha.company), sender=alpha.client.email, message_id=message_id)
    )

    assert unknown.status == InboundStatus.REFUSED
    assert other_cabinet.status == InboundStatus.DEPOSITED
    assert later.status == InboundStatus.DEPOSITED
    assert Document.objects.filter(company=alpha.company).count() == 1


def test_two_different_emails_are_two_deposits(world, receive):
    alpha = world.a
    to = email_of(alpha.company)

    receive(build(to, sender=alpha.client.email, files=[("a.pdf", some_pdf("a"))]))
    receive(build(to, sender=alpha.client.email, files=[("b.pdf", some_pdf("b"))]))

    assert Document.objects.count() == 2
    assert InboundEmail.objects.count() == 2


def test_a_refusal_received_twice_is_recorded_once(world, receive):
    raw = build(email_of(world.a.company), sender=STRANGER)

    receive(raw, event_id="evt-1")
    receive(raw, event_id="evt-1")

    assert InboundEmail.objects.count() == 1


# --- Forwarded to Inqom like any other deposit ---------------------------------------------------


def test_an_email_deposit_into_an_automated_folder_is_sent_to_inqom(world, receive):
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    achats = folder_at(alpha.company, f"{this_year()}/Achats")
    switch_on(achats, ACHATS, alpha.admin)
    content = some_pdf("facture-inqom")

    record = receive(
        build(
            email_of(alpha.company, "achats"),
            sender=alpha.client.email,
            files=[("facture-inqom.pdf", content)],
        )
    )

    assert record.status == InboundStatus.DEPOSITED
    document = Document.objects.get()
    assert (document.folder, document.channel) == (achats, Channel.EMAIL)
    assert document.status == DocumentStatus.VALIDATED
    delivery = delivery_of(document)
    assert (delivery.status, delivery.target) == (DeliveryStatus.SENT, ACHAT)
    [sent] = received(to=ACHAT)
    assert sent.attachment == ("facture-inqom.pdf", "application/pdf", content)


def test_an_email_deposit_outside_automated_folders_is_not_sent(world, receive):
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(alpha.company, f"{this_year()}/Achats"), ACHATS, alpha.admin)

    receive(build(email_of(alpha.company, "ventes"), sender=alpha.client.email))

    assert Document.objects.get().status == DocumentStatus.PENDING
    assert not Delivery.objects.exists()
    assert received(to=ACHAT) == []


# --- The receipt to the sender -------------------------------------------------------------------


def test_no_receipt_is_sent_by_default(world, receive):
    alpha = world.a

    record = receive(build(email_of(alpha.company), sender=alpha.client.email))

    assert record.status == InboundStatus.DEPOSITED
    assert mail.outbox == []


@pytest.fixture
def receipts_on(world):
    alpha = world.a
    inbound_policy_update(
        company=alpha.company,
        accept_anyone=False,
        allowed_senders=STRANGER,
        send_receipt=True,
        by=alpha.admin,
    )


def test_the_receipt_lists_what_was_filed_and_refused_in_the_cabinets_name(
    world, receive, settings, receipts_on
):
    alpha = world.a
    settings.DOCUMENT_MAX_MB = 1
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(alpha.company, f"{this_year()}/Achats"), ACHATS, alpha.admin)

    receive(
        build(
            email_of(alpha.company, "achats"),
            sender=alpha.client.email,
            subject="Factures de janvier",
            inline=[("logo.png", PNG)],
            files=[("facture.pdf", some_pdf("receipt")), ("releve.pdf", some_pdf("big", MIB + 1))],
        )
    )

    assert len(received(to=ACHAT)) == 1
    [receipt] = [m for m in mail.outbox if m.to == [alpha.client.email]]
    assert len(mail.outbox) == 2
    assert email.utils.parseaddr(receipt.from_email) == ("Cabinet Alpha", "no-reply@welyb.fr")
    assert receipt.subject == "Cabinet Alpha : documents reçus pour Boulangerie Alpha"
    body = readable(receipt.body)
    assert "« Factures de janvier »" in body
    assert "- facture.pdf : classé dans « Achats »" in body
    assert f"- releve.pdf : refusé ({TOO_BIG})" in body
    assert "- logo.png : ignoré" in body
    assert "Cabinet Alpha" in body
    wire = receipt.message().as_string().lower()
    assert "inqom" not in wire
    assert ACHAT not in wire


def test_the_receipt_says_what_to_send_instead_of_a_file_the_cabinet_cannot_use(
    world, receive, receipts_on
):
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(alpha.company, f"{this_year()}/Achats"), ACHATS, alpha.admin)

    record = receive(
        build(
            email_of(alpha.company, "achats"),
            sender=alpha.client.email,
            files=[("facture.pdf", some_pdf("notice")), ("setup.exe", EXE)],
        )
    )

    # Both are kept in the GED; the program will not be used, and its sender is told why.
    assert outcomes(record) == [("facture.pdf", "deposited"), ("setup.exe", "deposited")]
    [receipt] = [m for m in mail.outbox if m.to == [alpha.client.email]]
    assert (
        "- setup.exe : classé dans « Achats »\n"
        "  Attention : « setup.exe » ne pourra pas être traité par le cabinet : ce format (.exe) "
        "n'est pas pris en charge. Déposez plutôt un PDF, une photo (JPEG, PNG ou HEIC) ou un "
        "fichier Excel, Word, texte (.txt) ou CSV."
    ) in readable(receipt.body)
    assert "- facture.pdf : classé dans « Achats »\n" in readable(receipt.body)
    assert "inqom" not in receipt.message().as_string().lower()


def test_an_allowed_sender_gets_the_receipt_too(world, receive, receipts_on):
    receive(build(email_of(world.a.company), sender=STRANGER))

    [receipt] = mail.outbox
    assert receipt.to == [STRANGER]
    assert "- facture.pdf : classé dans « Achats »" in readable(receipt.body)


def test_a_refused_sender_gets_no_receipt(world, receive, receipts_on):
    receive(build(email_of(world.a.company), sender=world.a.other_client.email))

    assert mail.outbox == []


def test_the_same_event_twice_sends_one_receipt(world, receive, receipts_on):
    alpha = world.a
    raw = build(email_of(alpha.company), sender=alpha.client.email)

    receive(raw, event_id="evt-receipt")
    receive(raw, event_id="evt-receipt")

    assert [m.to for m in mail.outbox] == [[alpha.client.email]]


def test_the_receipt_follows_each_companys_choice(world, receive, receipts_on):
    alpha = world.a
    inbound_policy_update(
        company=alpha.other_company,
        accept_anyone=False,
        allowed_senders="",
        send_receipt=False,
        by=alpha.admin,
    )

    receive(build(email_of(alpha.other_company), sender=alpha.other_client.email))

    assert Document.objects.get().company == alpha.other_company
    assert mail.outbox == []
