from django.db import models

from ..models import AuditEntry, Cabinet, User


def audit_record(
    *,
    cabinet: Cabinet | None,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    data: dict | None = None,
    cabinet_id: int | None = None,
) -> AuditEntry:
    """Writes one entry of the audit trail, in the caller's transaction.

    `action` is a dotted verb ("company.created", "branding.changed"); `data` holds what a
    reader needs to understand the change, such as the old and the new value. `cabinet_id`
    stands for `cabinet` where only the id is at hand (no query to load the cabinet).
    """
    return AuditEntry.objects.create(
        cabinet_id=cabinet.pk if cabinet is not None else cabinet_id,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        data=data or {},
    )
