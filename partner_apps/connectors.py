"""The interface between the store and the partners' connectors.

A partner's module (inqom_connector, and later Dext, MEG...) subclasses `Connector` and
registers its instances when Django starts; the store and the outbox only ever talk to this
interface, through `connector_for(app)`. Adding a partner is a new module, not a change here.
"""

from typing import TypedDict

from django.core.exceptions import ImproperlyConfigured

from ged.renditions import CONVERTIBLE_TYPES

_REGISTRY: dict[str, "Connector"] = {}


class SenderSetup(TypedDict):
    """Where, at the partner's, the cabinet allows the portal's sender address."""

    partner: str  # "Inqom"
    sender: str  # the address
    where: str  # "Paramètres › Emails d'envoi"


class DeliveryError(Exception):
    """A send that did not happen; the message is the French reason staff will read, `detail`
    what the email layer said (for support)."""

    def __init__(self, reason: str, *, detail: str = ""):
        super().__init__(reason)
        self.detail = detail


class TransientDeliveryError(DeliveryError):
    """Worth another try later: connection refused, timeout, server busy (4xx, 5xx, 429)."""


class PermanentDeliveryError(DeliveryError):
    """Will never work as it is: address refused, message rejected."""


class Connector:
    """What the store needs from a connector. Subclasses fill in the partner's rules."""

    #: the PartnerApp.connector_key this connector serves ("inqom-achats")
    key: str = ""
    #: connectors of the same partner share their company name ("acme" in achat.acme@...)
    partner: str = ""
    #: the kind of documents it carries, shown to staff ("Achats")
    label: str = ""
    #: the folder of the annual tree it is meant for ("Notes de frais")
    folder_label: str = ""
    #: sniffed types the partner refuses as they are but takes once the GED converted them
    #: (ged.renditions: a HEIC photo as JPEG, a multi-page TIFF as PDF), at send time
    converted_types: frozenset[str] = frozenset()

    def address_clean(self, raw: str) -> str:
        """The collection address, normalised; ValidationError with the French reason and the
        expected form otherwise."""
        raise NotImplementedError

    def address_example(self) -> str:
        """The expected form, shown next to the field: "achat.<nom>@inqombox.com"."""
        raise NotImplementedError

    def company_name_of(self, address: str) -> str | None:
        """The partner's name of the company inside a valid address of this connector."""
        raise NotImplementedError

    def address_for(self, company_name: str) -> str:
        """This connector's address for a company the partner calls `company_name`."""
        raise NotImplementedError

    def document_refusal(self, document):
        """Why the partner would not take this document (format, content, size) as a
        `partner_apps.refusals.Refusal`, with the notice its depositor reads; None when it can
        go. A document of a `converted_types` type is judged on what is sent: see
        `attachment_refusal`."""
        return None

    def attachment_refusal(self, *, name: str, content_type: str, size: int):
        """The same judgement for what the portal is about to attach after converting a
        document (its size, mostly); None when it can go."""
        return None

    def folder_matches(self, folder_name: str) -> bool:
        """Whether a folder of that name is the kind this connector expects (Inqom Achats on
        "Achats"): a mismatch is only a warning to staff."""
        return True

    def message_id_new(self) -> str:
        """The id of a message not sent yet (an email's Message-ID)."""
        from email.utils import make_msgid

        return make_msgid()

    def send(self, delivery, attachment) -> str:
        """Sends the delivery's document, as `attachment` (a partner_apps.attachments.Attachment:
        the stored file, or its conversion), to its target; returns the message id. Raises
        TransientDeliveryError (try again later) or PermanentDeliveryError (give up)."""
        raise NotImplementedError

    def bounce_message(self) -> str:
        """What staff must check when the partner refused a message."""
        return ""

    def sender_setup(self) -> SenderSetup | None:
        """What the cabinet must do on the partner's side for our emails to be accepted; None
        when nothing."""
        return None


def connector_register(connector: Connector) -> None:
    if not connector.key:
        raise ImproperlyConfigured(f"{connector!r} has no key")
    unknown = connector.converted_types - CONVERTIBLE_TYPES
    if unknown:
        raise ImproperlyConfigured(f"{connector!r}: the GED converts none of {sorted(unknown)}")
    _REGISTRY[connector.key] = connector


def connector_for_key(key: str) -> Connector:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"no connector registered under {key!r}: is its module in INSTALLED_APPS?"
        ) from None


def connector_for(app) -> Connector:
    return connector_for_key(app.connector_key)


def connectors_of_partner(partner: str) -> list[Connector]:
    return [connector for connector in _REGISTRY.values() if connector.partner == partner]
