"""The units' signed links: issued, read, revoked, and sent again to the unit's contacts. A
revocation falls on both ways a unit acts without an account: the links to its page and the
signed reply addresses (replies/tokens.py) its emails carry."""

from __future__ import annotations

from datetime import datetime, timedelta

from notifications.channels import DeliveryAttempt, register_outbox
from notifications.links import InvalidLink, UnitLinkClaim, UnitLinks
from notifications.service import notification_service
from notifications.service import unit_links as _signer
from plan_import.agency import agency_directories
from settings import Settings
from storage import access as store
from storage.db import session_scope


class RevokedLink(InvalidLink):
    """A link the coordinator revoked (a newer one was sent)."""


def unit_links(settings: Settings) -> UnitLinks:
    return _signer(settings)


def unit_page_link(settings: Settings, unit_code: str, *, now: datetime | None = None) -> str:
    """The address that opens a unit's own page, signed for it."""
    token = unit_links(settings).token(unit_code, issued_at=now)
    return f"{settings.public_url.rstrip('/')}/u/{token}"


def read_unit_link(settings: Settings, token: str, *, now: datetime) -> UnitLinkClaim:
    """Whose link this is; refused when forged, expired, revoked, or of a unit not stored."""
    claim = unit_links(settings).read(token, now=now)
    check_unit_claim(settings, claim)
    return claim


def check_unit_claim(settings: Settings, claim: UnitLinkClaim) -> None:
    with session_scope(settings.resolved_database_url()) as session:
        revoked = store.links_revoked_before(session, claim.unit_code)
        known = store.unit_exists(session, claim.unit_code)
    if not known:
        raise InvalidLink(f"no unit {claim.unit_code!r} is known here")
    if revoked is not None and claim.issued_at < revoked:
        raise RevokedLink(
            "this link was replaced by a newer one: open the link in the unit's latest message"
        )


# A reply address carries its issue minute, not the instant: the fresh link's own email may be
# signed within the minute of the revocation that spares it, so only an address whose whole
# minute ended by the revocation is revoked.
_REPLY_TOKEN_GRAIN = timedelta(minutes=1)


def reply_address_revoked_at(
    settings: Settings, unit_code: str, *, issued_at: datetime
) -> datetime | None:
    """When the unit's links were revoked, if that revocation falls on a reply address issued
    (to the minute) at `issued_at`; None while the address still stands."""
    with session_scope(settings.resolved_database_url()) as session:
        revoked = store.links_revoked_before(session, unit_code)
    if revoked is not None and issued_at + _REPLY_TOKEN_GRAIN <= revoked:
        return revoked
    return None


def revoke_unit_links(settings: Settings, unit_code: str, *, by: str, before: datetime) -> None:
    with session_scope(settings.resolved_database_url()) as session:
        store.revoke_unit_links(session, unit_code=unit_code, before=before, by=by)


def send_unit_link(
    settings: Settings, unit_code: str, *, now: datetime, revoke_old: bool, by: str
) -> list[DeliveryAttempt]:
    """A fresh link to the unit's own page, sent to its contacts now; with `revoke_old`, every
    link and reply address issued before this one stops working (this one does not: the
    revocation falls on its issue instant as the link itself carries it)."""
    issued = unit_links(settings).issue_instant(now)
    link = unit_page_link(settings, unit_code, now=issued)
    if revoke_old:
        revoke_unit_links(settings, unit_code, by=by, before=issued)
    register_outbox()
    directory = agency_directories(settings.units_file, settings.agencies_dir)
    return notification_service(settings, directory).send_unit_link(unit_code, link, now=now)
