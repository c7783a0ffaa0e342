"""Who may use each route. Every view declares it; create_app refuses a view that does not."""

from functools import wraps

from flask import abort
from flask_login import current_user

from consult.extensions import login_manager

SIGNED_IN = ("officer", "scrutiny", "admin")
# Who may change a consultation, its partners and its replies: not scrutiny, who only read.
OFFICERS = ("officer", "admin")


def roles_required(*roles):
    """Only signed-in users with one of ``roles``; others are sent to sign in or get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = tuple(roles)
        return wrapped

    return decorator


def signed_in(view):
    """Any signed-in user, whatever their role."""
    return roles_required(*SIGNED_IN)(view)


def officers_only(view):
    """Officers and admins: those who run consultations."""
    return roles_required(*OFFICERS)(view)


def public(view):
    """Anyone, signed in or not (sign-in page, partner links)."""
    view.access = "public"
    return view
