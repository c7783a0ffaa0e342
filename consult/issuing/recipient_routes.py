"""A draft's recipients: picking organisations, sectors and people, and the preview."""

from math import ceil

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from consult.auth.access import OFFICERS, officers_only, signed_in
from consult.consultations.letters import LetterError
from consult.consultations.models import Consultation
from consult.correspondence.emails import HeaderError
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.directory.models import Contact, Organisation, Sector
from consult.directory.queries import fetch_sectors
from consult.extensions import db
from consult.issuing import queries, services
from consult.issuing.forms import (
    ChooseContactsForm,
    ChooseOrganisationForm,
    ChooseSectorForm,
    RemoveRecipientForm,
)
from consult.paging import as_id, requested_id, requested_page
from consult.requests import partner_emails
from consult.requests.models import RecipientLink, Request

bp = Blueprint("recipients", __name__)
RECIPIENTS_PER_PAGE = 50


@bp.route("/consultations/<int:consultation_id>/recipients")
@signed_in
def index(consultation_id):
    """Who a consultation goes to; while it is a draft, officers add and remove them."""
    consultation = db.get_or_404(Consultation, consultation_id)
    page = requested_page()
    rows, total = queries.fetch_recipients_page(
        consultation.id, page=page, per_page=RECIPIENTS_PER_PAGE
    )
    can_pick = consultation.state == "draft" and current_user.role in OFFICERS
    organisation_form = sector_form = None
    if can_pick:
        organisation_form = ChooseOrganisationForm()
        organisation_form.organisation.choices = _organisation_choices()
        sector_form = ChooseSectorForm()
        sector_form.sector.choices = _sector_choices()
    return render_template(
        "issuing/recipients.html",
        consultation=consultation,
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / RECIPIENTS_PER_PAGE), 1),
        summary=queries.fetch_issue_summary(consultation.id),
        can_pick=can_pick,
        organisation_form=organisation_form,
        sector_form=sector_form,
        remove_form=RemoveRecipientForm(),
    )


def _organisation_choices():
    return [(0, "Choose an organisation")] + [
        (row.id, row.name) for row in queries.fetch_organisation_choices()
    ]


def _sector_choices():
    return [(0, "Choose a sector")] + [(sector.id, sector.name) for sector in fetch_sectors()]


def _draft_or_back(consultation):
    """None while the consultation is a draft; otherwise the redirect that says why not."""
    if consultation.state == "draft":
        return None
    flash("This consultation has been issued: add recipients from its send-out page.", "info")
    return redirect(url_for("recipients.index", consultation_id=consultation.id))


def _back_to_recipients(consultation):
    return redirect(url_for("recipients.index", consultation_id=consultation.id))


@bp.route("/consultations/<int:consultation_id>/recipients/organisation", methods=["POST"])
@officers_only
def pick_organisation(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    form = ChooseOrganisationForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit() and form.organisation.data:
        return redirect(
            url_for(
                "recipients.pick_contacts",
                consultation_id=consultation.id,
                organisation_id=form.organisation.data,
            )
        )
    flash("Choose an organisation from the list.", "info")
    return _back_to_recipients(consultation)


@bp.route(
    "/consultations/<int:consultation_id>/recipients/organisation/<int:organisation_id>",
    methods=["GET", "POST"],
)
@officers_only
def pick_contacts(consultation_id, organisation_id):
    """Choose which of an organisation's people a draft goes to."""
    consultation = db.get_or_404(Consultation, consultation_id)
    organisation = db.get_or_404(Organisation, organisation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    if organisation.is_archived:
        flash(f"{organisation.name} is archived, so it cannot be sent a consultation.", "info")
        return _back_to_recipients(consultation)
    form = ChooseContactsForm()
    form.contacts.label.text = f"Who at {organisation.name} should receive it?"
    form.submit.label.text = "Add to the recipients"
    reachable = [contact for contact in organisation.contacts if contact.email]
    form.contacts.choices = [(c.id, f"{c.name}, {c.role}" if c.role else c.name) for c in reachable]
    if request.method == "GET":
        form.contacts.data = [contact.id for contact in reachable]
    if form.validate_on_submit():
        chosen = [contact for contact in reachable if contact.id in set(form.contacts.data)]
        _organisations, added = services.add_recipients(consultation, chosen)
        db.session.commit()
        flash(
            f"{organisation.name} is a recipient: {added} more "
            f"{'person' if added == 1 else 'people'} added.",
            "success",
        )
        return _back_to_recipients(consultation)
    status = 400 if form.errors else 200
    return render_template(
        "issuing/pick_contacts.html",
        consultation=consultation,
        organisation=organisation,
        form=form,
        without_email=[c for c in organisation.contacts if not c.email],
    ), status


@bp.route("/consultations/<int:consultation_id>/recipients/sector", methods=["POST"])
@officers_only
def pick_sector(consultation_id):
    """Send a draft to every organisation in a sector, and everyone there with an email."""
    consultation = db.get_or_404(Consultation, consultation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    form = ChooseSectorForm()
    form.sector.choices = _sector_choices()
    sector = db.session.get(Sector, form.sector.data) if form.validate_on_submit() else None
    if sector is None:
        flash("Choose a sector from the list.", "info")
        return _back_to_recipients(consultation)
    organisations, people, unreachable = services.add_sector_recipients(consultation, sector)
    db.session.commit()
    message = f"{sector.name}: {organisations} more organisations and {people} more people added."
    if unreachable:
        named = ", ".join(unreachable[:20]) + (" and others" if len(unreachable) > 20 else "")
        message += (
            f" {len(unreachable)} have nobody with an email address and will not be sent "
            f"anything: {named}."
        )
    flash(message, "success")
    return _back_to_recipients(consultation)


@bp.route("/consultations/<int:consultation_id>/recipients/people", methods=["GET", "POST"])
@officers_only
def pick_people(consultation_id):
    """Find people in the directory by name or email and add them to a draft."""
    consultation = db.get_or_404(Consultation, consultation_id)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    if request.method == "POST":
        form = RemoveRecipientForm()  # only its CSRF token is wanted
        ids = {as_id(value) for value in request.form.getlist("contacts")} - {None}
        if form.validate_on_submit() and ids:
            contacts = db.session.scalars(select(Contact).where(Contact.id.in_(ids))).all()
            organisations, people = services.add_recipients(consultation, contacts)
            db.session.commit()
            flash(f"{people} more people added, at {organisations} more organisations.", "success")
            return _back_to_recipients(consultation)
        flash("Tick at least one person to add.", "info")
        return redirect(url_for("recipients.pick_people", consultation_id=consultation.id))
    search = request.args.get("q", "")[:200]
    page = requested_page()
    rows, total = queries.search_contacts(search, page=page) if search.strip() else ([], 0)
    return render_template(
        "issuing/pick_people.html",
        consultation=consultation,
        search=search,
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / 25), 1),
        form=RemoveRecipientForm(),
    )


@bp.route(
    "/consultations/<int:consultation_id>/recipients/<int:request_id>/remove",
    methods=["GET", "POST"],
)
@officers_only
def remove_recipient(consultation_id, request_id):
    """Asks first (GOV.UK's confirmation page); removes on "Yes, remove"."""
    consultation = db.get_or_404(Consultation, consultation_id)
    request_ = db.get_or_404(Request, request_id)
    if request_.consultation_id != consultation.id:
        abort(404)
    name = request_.organisation.name
    if RemoveRecipientForm().validate_on_submit():
        try:
            services.remove_recipient(request_)
            db.session.commit()
            flash(f"{name} is no longer a recipient.", "success")
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
        return _back_to_recipients(consultation)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    people = len(request_.links)
    return render_template(
        "confirm_removal.html",
        thing=f"{name} from the recipients",
        caption=consultation.title,
        consequences=[
            f"{name} and its {people} {'person' if people == 1 else 'people'} will not be sent "
            "the letter. You can add them again while the consultation is a draft."
        ],
        back=url_for("recipients.index", consultation_id=consultation.id),
    )


@bp.route("/links/<int:link_id>/remove", methods=["GET", "POST"])
@officers_only
def remove_recipient_contact(link_id):
    """Asks first (GOV.UK's confirmation page); removes on "Yes, remove"."""
    link = db.get_or_404(RecipientLink, link_id)
    consultation = link.request.consultation
    name = link.contact.name
    if RemoveRecipientForm().validate_on_submit():
        try:
            services.remove_recipient_contact(link)
            db.session.commit()
            flash(f"{name} is no longer a recipient.", "success")
        except services.IssuingError as error:
            db.session.rollback()
            flash(str(error), "info")
        return _back_to_recipients(consultation)
    if (back := _draft_or_back(consultation)) is not None:
        return back
    organisation = link.request.organisation.name
    consequences = [f"{name} at {organisation} will not be sent the letter."]
    if len(link.request.links) == 1:
        consequences.append(f"Nobody else at {organisation} is a recipient, so it goes too.")
    return render_template(
        "confirm_removal.html",
        thing=f"{name} from the recipients",
        caption=consultation.title,
        consequences=consequences,
        back=url_for("recipients.index", consultation_id=consultation.id),
    )


@bp.route("/consultations/<int:consultation_id>/preview")
@signed_in
def preview(consultation_id):
    """The letter and invitation as one recipient would get them, built the way they are
    sent, but with nothing stored and no link made."""

    consultation = db.get_or_404(Consultation, consultation_id)
    choices = queries.fetch_preview_links(consultation.id)
    link = None
    if "recipient" in request.args:
        link = db.session.get(RecipientLink, requested_id("recipient") or 0)
        if link is None or link.request.consultation_id != consultation.id:
            abort(404)
    elif choices:
        link = db.session.get(RecipientLink, choices[0].id)
    email, problem = None, None
    if link is not None:
        try:
            # The same placeholder the stored invitation holds until the token goes in.
            link_url = partner_emails.partner_link_url(LINK_PLACEHOLDER)
            email = partner_emails.invitation(link, link_url=link_url)
        except (LetterError, HeaderError) as error:
            problem = str(error)
    return render_template(
        "issuing/preview.html",
        consultation=consultation,
        choices=choices,
        link=link,
        email=email,
        problem=problem,
        placeholder=LINK_PLACEHOLDER,
    )
