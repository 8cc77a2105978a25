"""Phone photos and scans reach Inqom: a HEIC photo (an iPhone's default), a WebP or a TIFF,
which Inqom refuses as they are, leave converted at send time (a JPEG, or one PDF for a TIFF of
several pages), while the GED keeps the original; the delivery says what was sent. A file that
cannot be decoded does not go, and says so."""

import io

import pytest
from PIL import Image

from ged.models import DocumentStatus
from partner_apps.models import DeliveryStatus
from tests.helpers.attention import ACHAT, automated_achats
from tests.helpers.documents import deposit, folder_at, phone_photo
from tests.helpers.forwarding import delivery_of, deposit_and_send, received

pytestmark = pytest.mark.django_db


def tiff_pages(count: int) -> bytes:
    pages = [Image.new("L", (40, 56), 60 * n) for n in range(count)]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


@pytest.fixture
def achats(world):
    return automated_achats(world.a)


def test_an_iphone_photo_reaches_inqom_as_a_jpeg_and_the_ged_keeps_the_heic(
    world, achats, django_capture_on_commit_callbacks
):
    heic = phone_photo("HEIF", orientation=6)

    document = deposit_and_send(
        django_capture_on_commit_callbacks, achats, "IMG_0001.HEIC", heic, by=world.a.client
    )

    [email] = received(to=ACHAT)
    name, content_type, content = email.attachment
    assert (name, content_type) == ("IMG_0001.jpg", "image/jpeg")
    sent = Image.open(io.BytesIO(content))
    # Taken sideways (EXIF 6): sent upright, 48 wide and 64 high.
    assert (sent.format, sent.size) == ("JPEG", (48, 64))
    delivery = delivery_of(document)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_as == {"name": "IMG_0001.jpg", "content_type": "image/jpeg"}
    assert document.status == DocumentStatus.VALIDATED
    # The GED keeps what the client deposited.
    assert (document.name, document.content_type) == ("IMG_0001.HEIC", "image/heic")
    with document.file.open("rb") as stored:
        assert stored.read() == heic


def test_a_scan_of_three_pages_reaches_inqom_as_one_pdf(
    world, achats, django_capture_on_commit_callbacks
):
    document = deposit_and_send(
        django_capture_on_commit_callbacks, achats, "releve.tiff", tiff_pages(3), by=world.a.client
    )

    [email] = received(to=ACHAT)
    name, content_type, content = email.attachment
    assert (name, content_type) == ("releve.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert delivery_of(document).sent_as == {
        "name": "releve.pdf",
        "content_type": "application/pdf",
    }


def test_a_webp_reaches_inqom_as_a_jpeg(world, achats, django_capture_on_commit_callbacks):
    deposit_and_send(
        django_capture_on_commit_callbacks,
        achats,
        "ticket.webp",
        phone_photo("WEBP"),
        by=world.a.client,
    )

    [email] = received(to=ACHAT)
    assert email.attachment[:2] == ("ticket.jpg", "image/jpeg")


def test_a_photo_that_cannot_be_decoded_does_not_go_and_says_why(
    world, achats, django_capture_on_commit_callbacks, caplog
):
    damaged = phone_photo("HEIF")[:300]

    document = deposit_and_send(
        django_capture_on_commit_callbacks, achats, "IMG_0002.HEIC", damaged, by=world.a.client
    )

    assert received(to=ACHAT) == []
    delivery = delivery_of(document)
    assert (delivery.status, delivery.reason_code) == (DeliveryStatus.SKIPPED, "unreadable_file")
    assert delivery.reason == (
        "Le fichier « IMG_0002.HEIC » est illisible ou endommagé : il n'a pas pu être converti."
    )
    assert delivery.notice.startswith("Le fichier « IMG_0002.HEIC » est illisible ou endommagé")
    assert (delivery.needs_action, delivery.can_retry) == (True, False)
    assert document.status == DocumentStatus.PENDING
    assert f"document {document.pk} could not be converted" in caplog.text


def test_a_photo_is_never_refused_at_the_deposit_for_its_format(world, achats):
    document = deposit(achats, "IMG_0003.HEIC", phone_photo("HEIF"), by=world.a.client)

    delivery = delivery_of(document)
    assert (delivery.status, delivery.notice) == (DeliveryStatus.PENDING, "")


def test_a_photo_in_a_folder_with_no_switch_is_only_kept(world, achats):
    plain = folder_at(world.a.company, "Photos")
    document = deposit(plain, "IMG_0004.HEIC", phone_photo("HEIF"), by=world.a.client)

    assert not document.deliveries.exists()


def test_a_picture_of_too_many_pixels_is_too_large_not_damaged(
    world, achats, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("ged.renditions.MAX_PIXELS", 1000)  # 64 × 48 is 3,072 pixels

    document = deposit_and_send(
        django_capture_on_commit_callbacks, achats, "IMG_0005.HEIC", phone_photo("HEIF")
    )

    delivery = delivery_of(document)
    assert (delivery.status, delivery.reason_code) == (DeliveryStatus.SKIPPED, "too_large")
    assert delivery.reason.startswith("« IMG_0005.HEIC » : L'image est trop grande")
    assert delivery.notice == (
        "« IMG_0005.HEIC » est une image trop grande pour être traitée par le cabinet : "
        "déposez-la en plus petite taille, ou en PDF."
    )
    assert received(to=ACHAT) == []
