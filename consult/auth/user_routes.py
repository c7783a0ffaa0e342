"""Admins manage users: invite, change role, disable and re-enable, reset two-factor
sign-in, and choose which roles must use it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from consult import queue
from consult.auth import accounts, two_factor
from consult.auth.access import roles_required
from consult.auth.forms import ConfirmForm, InviteForm, RoleForm, TwoFactorPolicyForm
from consult.auth.models import User
from consult.auth.services import AccountError
from consult.extensions import db

bp = Blueprint("users", __name__)


@bp.route("/admin/users")
@roles_required("admin")
def index():
    return render_template(
        "users/index.html",
        users=accounts.fetch_users(),
        required=two_factor.required_roles(),
    )


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@roles_required("admin")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(
                email=form.email.data, name=form.name.data, role=form.role.data, by=current_user
            )
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            field = form.email if "email" in str(error).lower() else form.name
            field.errors = [str(error)]
        else:
            queue.enqueue(queue.SWEEP_OUTBOX)
            flash(f"An invitation is on its way to {user.email}.", "success")
            return redirect(url_for("users.user", user_id=user.id))
    return render_template("users/invite.html", form=form), 400 if form.errors else 200


def _user_page(user, role_form=None, status=200):
    return render_template(
        "users/user.html",
        user=user,
        role_form=role_form or RoleForm(role=user.role),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/admin/users/<int:user_id>")
@roles_required("admin")
def user(user_id):
    return _user_page(db.get_or_404(User, user_id))


def _change(user_id, change, success):
    """Run ``change`` on the user from a confirmed form; flash the outcome."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        flash("The page was out of date. Try again.", "info")
        return redirect(url_for("users.user", user_id=user.id))
    try:
        change(user)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "info")
    else:
        flash(success(user), "success")
    return redirect(url_for("users.user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def change_role(user_id):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(user, role_form=form, status=400)
    try:
        accounts.change_role(user, form.role.data, by=current_user)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        form.role.errors = [str(error)]
        return _user_page(user, role_form=form, status=400)
    flash(f"{user.name} is now {user.role_name.lower()}.", "success")
    return redirect(url_for("users.user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/disable", methods=["POST"])
@roles_required("admin")
def disable(user_id):
    return _change(
        user_id,
        lambda user: accounts.set_disabled(user, True, by=current_user),
        lambda user: f"{user.name} can no longer sign in, and was signed out everywhere.",
    )


@bp.route("/admin/users/<int:user_id>/enable", methods=["POST"])
@roles_required("admin")
def enable(user_id):
    return _change(
        user_id,
        lambda user: accounts.set_disabled(user, False, by=current_user),
        lambda user: f"{user.name} can sign in again.",
    )


@bp.route("/admin/users/<int:user_id>/two-factor-reset", methods=["POST"])
@roles_required("admin")
def reset_two_factor(user_id):
    return _change(
        user_id,
        lambda user: two_factor.reset(user, by=current_user),
        lambda user: (
            f"{user.name}'s authenticator is removed. They set up a new one when they next sign in."
        ),
    )


@bp.route("/admin/users/<int:user_id>/invitation", methods=["POST"])
@roles_required("admin")
def resend_invitation(user_id):
    response = _change(
        user_id,
        lambda user: accounts.send_invitation(user, by=current_user),
        lambda user: (
            f"A new invitation is on its way to {user.email}; the old link no longer works."
        ),
    )
    queue.enqueue(queue.SWEEP_OUTBOX)
    return response


@bp.route("/admin/two-factor", methods=["GET", "POST"])
@roles_required("admin")
def two_factor_policy():
    form = TwoFactorPolicyForm()
    if form.validate_on_submit():
        roles = two_factor.set_required_roles(form.roles.data or [], by=current_user)
        db.session.commit()
        flash(
            "Two-factor sign-in is now required for: "
            + (", ".join(roles) if roles else "no one")
            + ". People in those roles set it up when they next sign in.",
            "success",
        )
        return redirect(url_for("users.index"))
    if not form.is_submitted():
        form.roles.data = two_factor.required_roles()
    return render_template("users/two_factor_policy.html", form=form), (400 if form.errors else 200)
