"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238, through pyotp).

The secret is kept encrypted. A code is accepted within one 30-second step either side of
now, and each step once only. Recovery codes are given once, kept as SHA-256 hashes, and
each works once.
"""

import hashlib
import re
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from consult.audit import services as audit
from consult.auth.models import ROLES, RecoveryCode, Setting
from consult.db import utcnow
from consult.extensions import db
from consult.sealing import SealError, seal, unseal

LABEL = "two-factor secret"
RECOVERY_CODES = 10
REQUIRED_KEY = "two_factor_required_roles"


def _secret(user):
    if not user.totp_secret_sealed:
        return None
    try:
        return unseal(user.totp_secret_sealed, LABEL)
    except SealError:
        return None


def begin_enrolment(user):
    """The secret to show while ``user`` sets up their authenticator (made once)."""
    secret = _secret(user)
    if secret is None or user.has_two_factor:
        secret = pyotp.random_base32()
        user.totp_secret_sealed = seal(secret, LABEL)
        user.totp_enrolled_at = None
        user.totp_last_step = None
    return secret


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SERVICE_NAME"]
    )


def qr_code_svg(uri):
    """The set-up address as an SVG QR code (no text of ours inside it)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#0b0c0c")


def _time_code(user, code, now):
    """The time-step of a correct authenticator code not used before, or None."""
    secret = _secret(user)
    if secret is None or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None  # this code (or a later one) has been used already
            return step
    return None


def confirm_enrolment(user, code, *, now=None):
    """Check the first code; on success return the recovery codes, shown only now."""
    step = _time_code(user, _clean(code), now or time.time())
    if step is None:
        return None
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("two-factor set up", user=user)
    return codes


def _clean(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def _hash(code):
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _new_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, ten of them, each usable once
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def check_code(user, code, *, now=None):
    """True for a fresh authenticator code or an unused recovery code (then spent)."""
    cleaned = _clean(code)
    step = _time_code(user, cleaned, now or time.time())
    if step is not None:
        user.totp_last_step = step
        return True
    if re.fullmatch(r"[0-9a-f]{10}", cleaned):
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(cleaned),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = utcnow()
            audit.record("recovery code used", user=user)
            return True
    return False


def remaining_recovery_codes(user):
    return db.session.scalar(
        select(db.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def reset(user, *, by):
    """Take away a user's authenticator (lost phone): they set it up again at sign-in."""
    user.totp_secret_sealed = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("two-factor reset", user=by, target_user_id=user.id)


def required_roles():
    setting = db.session.get(Setting, REQUIRED_KEY)
    return [role for role in (setting.value.get("roles", []) if setting else []) if role in ROLES]


def set_required_roles(roles, *, by):
    roles = [role for role in ROLES if role in roles]
    setting = db.session.get(Setting, REQUIRED_KEY)
    if setting is None:
        setting = Setting(key=REQUIRED_KEY, value={})
        db.session.add(setting)
    setting.value = {"roles": roles}
    audit.record("two-factor requirement changed", user=by, roles=roles)
    return roles


def is_required_for(user):
    return user.role in required_roles()
