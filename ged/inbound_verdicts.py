"""What the email service's verdicts prove about who sent an email.

A `From` address is that person only when the receiving side authenticated it: DMARC passed
for the `From` domain, or a DKIM signature of the `From` domain verified, or SPF passed for an
envelope sender of the `From` domain. The verdicts come from the email service, never from the
sender, who can write any header:

- `Authentication-Results` (RFC 8601, parsed by `authres`), only the topmost one of each
  authserv-id the platform trusts (INBOUND_AUTHSERV_IDS, and Amazon SES's own);
- `Received-SPF`, only the topmost one, for the services known to prepend it (Postmark);
- the fields anymail hands over with the event: Mailgun's `X-Mailgun-Spf` and
  `X-Mailgun-Dkim-Check-Result`, Amazon SES's `receipt` (spf, dkim and DMARC verdicts).

Where a service says that DKIM passed without naming the domain that signed (Mailgun, SES),
the domains of the message's `DKIM-Signature` headers stand for it. Alignment is relaxed: the
two domains are the same, or one is a subdomain of the other.
"""

import logging
import re
from dataclasses import asdict, dataclass, field

import authres
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

logger = logging.getLogger(__name__)

PASS = "pass"  # noqa: S105 - a verdict, not a password
NONE = "none"
# The authserv-id each service writes in the Authentication-Results it adds.
ESP_AUTHSERV_IDS = {"Amazon SES": ("amazonses.com",)}
# Services that prepend a Received-SPF header of their own to every message they receive.
RECEIVED_SPF_ESPS = ("Postmark",)
_DKIM_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([A-Za-z0-9.-]+)")
_RECEIVED_SPF_RESULT = re.compile(r"^\s*([A-Za-z]+)")
_ENVELOPE_FROM = re.compile(r"envelope-from=\"?<?([^\s;\">]+)", re.IGNORECASE)


@dataclass
class Verdict:
    method: str  # "dmarc", "dkim", "spf"
    result: str  # "pass", "fail", "softfail", "neutral", "none", "temperror"...
    domain: str  # the domain the result is about ("" when the service did not say)
    source: str  # where it was read, for support


@dataclass
class Evidence:
    verdicts: list[Verdict] = field(default_factory=list)

    def add(self, method: str, result: str, domain: str, source: str) -> None:
        result = (result or "").strip().lower() or NONE
        self.verdicts.append(Verdict(method, result, _domain(domain), source))

    def of(self, method: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.method == method]


@dataclass(frozen=True)
class SenderCheck:
    """What the verdicts prove of the `From` address; `summary` in plain French."""

    sender: str
    authenticated: bool
    method: str  # the one that proved it: "dmarc", "dkim", "spf"; "" when none did
    summary: str
    dmarc: str
    dkim: str
    spf: str

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["sender"]
        return data


def _domain(value: str) -> str:
    value = (value or "").strip().strip("<>").lower().rstrip(".")
    return value.rpartition("@")[2]


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


# --- Reading the verdicts ----------------------------------------------------------------------


def _header_values(message, name: str) -> list[str]:
    return [str(value) for value in (message.get_all(name) or [])]


def _dkim_signers(message) -> list[str]:
    domains = []
    for value in _header_values(message, "DKIM-Signature"):
        match = _DKIM_DOMAIN.search(" ".join(value.split()))
        if match:
            domains.append(match.group(1))
    return domains


def _from_authentication_results(message, esp: str, evidence: Evidence) -> None:
    trusted = {*settings.INBOUND_AUTHSERV_IDS, *ESP_AUTHSERV_IDS.get(esp, ())}
    trusted = {t.lower() for t in trusted if t}
    seen: set[str] = set()
    for value in _header_values(message, "Authentication-Results"):
        try:
            header = authres.parse_value(" ".join(value.split()))
        except Exception:
            logger.info("an Authentication-Results header authres cannot read: %.200s", value)
            continue
        authserv_id = (header.authserv_id or "").lower()
        # Only the topmost header of a trusted server: lower ones may be the sender's own.
        if authserv_id not in trusted or authserv_id in seen:
            continue
        seen.add(authserv_id)
        source = f"Authentication-Results {authserv_id}"
        for result in header.results:
            properties = {(p.type, p.name): p.value for p in result.properties}
            if result.method == "dmarc":
                domain = properties.get(("header", "from"), "")
            elif result.method == "dkim":
                domain = properties.get(("header", "d")) or properties.get(("header", "i"), "")
            elif result.method == "spf":
                domain = properties.get(("smtp", "mailfrom")) or properties.get(
                    ("smtp", "helo"), ""
                )
            else:
                continue
            evidence.add(result.method, result.result, domain, source)


def _from_received_spf(message, esp: str, envelope_sender: str, evidence: Evidence) -> None:
    if esp not in RECEIVED_SPF_ESPS:
        return
    values = _header_values(message, "Received-SPF")
    if not values:
        return
    topmost = values[0]
    match = _RECEIVED_SPF_RESULT.match(topmost)
    envelope = _ENVELOPE_FROM.search(topmost)
    domain = envelope.group(1) if envelope else envelope_sender
    evidence.add("spf", match.group(1) if match else NONE, domain, "Received-SPF")


def _from_mailgun(message, esp_event, envelope_sender: str, evidence: Evidence) -> None:
    post = getattr(esp_event, "POST", None)
    spf = (post.get("X-Mailgun-Spf") if post is not None else None) or message.get("X-Mailgun-Spf")
    dkim = (post.get("X-Mailgun-Dkim-Check-Result") if post is not None else None) or message.get(
        "X-Mailgun-Dkim-Check-Result"
    )
    if spf:
        evidence.add("spf", str(spf), envelope_sender, "Mailgun")
    if dkim:
        signers = _dkim_signers(message) or [""]
        for domain in signers:
            evidence.add("dkim", str(dkim), domain, "Mailgun")


def _from_amazon_ses(message, esp_event, from_domain: str, evidence: Evidence) -> None:
    receipt = esp_event.get("receipt", {}) if isinstance(esp_event, dict) else {}
    source = esp_event.get("mail", {}).get("source", "") if isinstance(esp_event, dict) else ""

    def status(name: str) -> str:
        verdict = receipt.get(name) or {}
        return str(verdict.get("status", "")).lower() if isinstance(verdict, dict) else ""

    if status("dmarcVerdict"):
        # SES judges DMARC for the message's From domain.
        evidence.add("dmarc", status("dmarcVerdict"), from_domain, "Amazon SES")
    if status("dkimVerdict"):
        for domain in _dkim_signers(message) or [""]:
            evidence.add("dkim", status("dkimVerdict"), domain, "Amazon SES")
    if status("spfVerdict"):
        evidence.add("spf", status("spfVerdict"), source, "Amazon SES")


def evidence_of(*, message, esp: str, esp_event=None, envelope_sender: str = "") -> Evidence:
    """Every verdict the email service gave on this email, from the sources it can be trusted
    for."""
    from_domain = _domain(_from_address(message))
    evidence = Evidence()
    _from_authentication_results(message, esp, evidence)
    _from_received_spf(message, esp, envelope_sender, evidence)
    if esp == "Mailgun":
        _from_mailgun(message, esp_event, envelope_sender, evidence)
    elif esp == "Amazon SES":
        _from_amazon_ses(message, esp_event, from_domain, evidence)
    return evidence


def _from_address(message) -> str:
    try:
        sender = message.from_email
    except Exception:
        return ""
    if isinstance(sender, list):
        sender = sender[0] if sender else None
    return getattr(sender, "addr_spec", "") or ""


# --- The judgement -----------------------------------------------------------------------------

_RESULT_WORDS = {
    PASS: _lazy("réussi"),
    "fail": _lazy("échoué"),
    "softfail": _lazy("échoué (souple)"),
    "neutral": _lazy("neutre"),
    "none": _lazy("absent"),
    "temperror": _lazy("erreur temporaire"),
    "permerror": _lazy("erreur"),
    "policy": _lazy("refusé par la politique"),
    "gray": _lazy("non concluant"),
    "processing_failed": _lazy("non vérifié"),
}


def _word(result: str) -> str:
    return str(_RESULT_WORDS.get(result, result))


def _summary_of(method: str, verdicts: list[Verdict], from_domain: str) -> tuple[str, str]:
    """(the method's overall result for the record, how it reads in French)."""
    label = {"dmarc": "DMARC", "dkim": "DKIM", "spf": "SPF"}[method]
    if not verdicts:
        return NONE, _("%(method)s absent") % {"method": label}
    passed = [v for v in verdicts if v.result == PASS]
    if passed and not any(aligned(v.domain, from_domain) for v in passed):
        others = ", ".join(sorted({v.domain for v in passed if v.domain})) or _("inconnu")
        return PASS, _("%(method)s réussi, mais pour un autre domaine (%(domains)s)") % {
            "method": label,
            "domains": others,
        }
    result = PASS if passed else verdicts[0].result
    return result, _("%(method)s %(result)s") % {"method": label, "result": _word(result)}


def sender_check(*, message, esp: str, esp_event=None, envelope_sender: str = "") -> SenderCheck:
    """Whether the email's `From` address is authenticated, how, and why not, from the email
    service's verdicts (see the module)."""
    sender = _from_address(message).lower()
    from_domain = _domain(sender)
    evidence = evidence_of(
        message=message, esp=esp, esp_event=esp_event, envelope_sender=envelope_sender
    )

    def proved(method: str) -> bool:
        return any(v.result == PASS and aligned(v.domain, from_domain) for v in evidence.of(method))

    method = next((m for m in ("dmarc", "dkim", "spf") if proved(m)), "")
    results = {m: _summary_of(m, evidence.of(m), from_domain) for m in ("dmarc", "dkim", "spf")}
    if method:
        summary = _("Expéditeur vérifié (%(how)s pour %(domain)s).") % {
            "how": {"dmarc": "DMARC", "dkim": "DKIM", "spf": "SPF"}[method],
            "domain": from_domain,
        }
    else:
        summary = _("Rien ne prouve que cet email vient bien de %(sender)s : %(details)s.") % {
            "sender": sender or _("l'expéditeur"),
            "details": ", ".join(text for _result, text in results.values()),
        }
    return SenderCheck(
        sender=sender,
        authenticated=bool(method),
        method=method,
        summary=summary,
        dmarc=results["dmarc"][0],
        dkim=results["dkim"][0],
        spf=results["spf"][0],
    )
