"""The partner directory: organisations, their contacts, and the sectors they belong to."""

from math import ceil

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from consult import queue
from consult.auth.access import officers_only, roles_required, signed_in
from consult.directory import queries, services
from consult.directory.forms import (
    ConfirmForm,
    ContactForm,
    ImportForm,
    OrganisationForm,
    SectorForm,
    SectorNameForm,
)
from consult.directory.imports import COLUMNS, MAX_IMPORT_BYTES, ImportFileError
from consult.directory.models import Contact, Organisation, PartnerImport, Sector
from consult.extensions import db
from consult.paging import requested_id, requested_page

bp = Blueprint("directory", __name__)
PER_PAGE = 50


def _sector_choices(form):
    form.sector.choices = [(0, "Choose a sector")] + [
        (sector.id, sector.name) for sector in queries.fetch_sectors()
    ]


@bp.route("/partners")
@signed_in
def index():
    page = requested_page()
    sector_id = requested_id("sector") or 0
    search = request.args.get("q", "")[:200]
    show_archived = request.args.get("archived") == "y"
    rows, total = queries.fetch_organisations_page(
        page=page,
        sector_id=sector_id,
        search=search,
        show_archived=show_archived,
        per_page=PER_PAGE,
    )
    return render_template(
        "directory/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(ceil(total / PER_PAGE), 1),
        sectors=queries.fetch_sectors(),
        sector_id=sector_id,
        search=search,
        show_archived=show_archived,
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@officers_only
def new_organisation():
    form = OrganisationForm()
    _sector_choices(form)
    if form.validate_on_submit():
        sector = db.session.get(Sector, form.sector.data) if form.sector.data else None
        if sector is None:
            form.sector.errors = ["Choose the sector"]
        else:
            try:
                organisation = services.create_organisation(
                    name=form.name.data,
                    sector=sector,
                    address=form.address.data or "",
                    notes=form.notes.data or "",
                )
                db.session.commit()
            except services.DirectoryError as error:
                db.session.rollback()
                form.name.errors = [str(error)]
            else:
                flash(f"{organisation.name} is in the directory. Add its contacts.", "success")
                return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    return render_template(
        "directory/organisation_form.html", form=form, organisation=None
    ), 400 if form.errors else 200


@bp.route("/partners/<int:organisation_id>")
@signed_in
def organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    return render_template(
        "directory/organisation.html", organisation=organisation, confirm_form=ConfirmForm()
    )


@bp.route("/partners/<int:organisation_id>/edit", methods=["GET", "POST"])
@officers_only
def edit_organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    _sector_choices(form)
    if request.method == "GET":
        form.sector.data = organisation.sector_id
    if form.validate_on_submit():
        sector = db.session.get(Sector, form.sector.data) if form.sector.data else None
        if sector is None:
            form.sector.errors = ["Choose the sector"]
        else:
            try:
                services.update_organisation(
                    organisation,
                    name=form.name.data,
                    sector=sector,
                    address=form.address.data or "",
                    notes=form.notes.data or "",
                    by=current_user,
                )
                db.session.commit()
            except services.DirectoryError as error:
                db.session.rollback()
                form.name.errors = [str(error)]
            else:
                flash("Saved.", "success")
                return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    return render_template(
        "directory/organisation_form.html", form=form, organisation=organisation
    ), 400 if form.errors else 200


@bp.route("/partners/<int:organisation_id>/archive", methods=["POST"])
@officers_only
def archive(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    if ConfirmForm().validate_on_submit():
        archived = not organisation.is_archived
        services.set_archived(organisation, archived, by=current_user)
        db.session.commit()
        flash(
            f"{organisation.name} is archived: it keeps its history but is no longer offered "
            "as a recipient."
            if archived
            else f"{organisation.name} is back in the directory.",
            "success",
        )
    return redirect(url_for("directory.organisation", organisation_id=organisation.id))


@bp.route("/partners/<int:organisation_id>/contacts/new", methods=["GET", "POST"])
@officers_only
def new_contact(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            services.add_contact(
                organisation,
                name=form.name.data,
                role=form.role.data or "",
                email=form.email.data or None,
                phone=form.phone.data or "",
            )
            db.session.commit()
        except services.DirectoryError as error:
            db.session.rollback()
            field = form.email if "email" in str(error).lower() else form.name
            field.errors = [str(error)]
        else:
            flash(f"{form.name.data} is a contact for {organisation.name}.", "success")
            return redirect(url_for("directory.organisation", organisation_id=organisation.id))
    return render_template(
        "directory/contact_form.html", form=form, organisation=organisation, contact=None
    ), 400 if form.errors else 200


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@officers_only
def edit_contact(contact_id):
    contact = db.get_or_404(Contact, contact_id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        try:
            services.update_contact(
                contact,
                name=form.name.data,
                role=form.role.data or "",
                email=form.email.data or None,
                phone=form.phone.data or "",
                by=current_user,
            )
            db.session.commit()
        except services.DirectoryError as error:
            db.session.rollback()
            field = form.email if "email" in str(error).lower() else form.name
            field.errors = [str(error)]
        else:
            flash("Saved.", "success")
            return redirect(
                url_for("directory.organisation", organisation_id=contact.organisation_id)
            )
    return render_template(
        "directory/contact_form.html",
        form=form,
        organisation=contact.organisation,
        contact=contact,
    ), 400 if form.errors else 200


@bp.route("/contacts/<int:contact_id>/remove", methods=["GET", "POST"])
@officers_only
def remove_contact(contact_id):
    """Asks first (GOV.UK's confirmation page); removes on "Yes, remove"."""
    contact = db.session.get(Contact, contact_id) or abort(404)
    organisation_id = contact.organisation_id
    back = url_for("directory.organisation", organisation_id=organisation_id)
    if ConfirmForm().validate_on_submit():
        name = contact.name
        try:
            services.remove_contact(contact, by=current_user)
            db.session.commit()
            flash(f"{name} is removed.", "success")
        except services.DirectoryError as error:
            db.session.rollback()
            flash(str(error), "info")
        return redirect(back)
    if (reason := services.why_contact_stays(contact)) is not None:
        flash(reason, "info")
        return redirect(back)
    return render_template(
        "confirm_removal.html",
        thing=f"{contact.name} from {contact.organisation.name}",
        caption="The partner directory",
        consequences=["They are taken out of the partner directory. This cannot be undone."],
        back=back,
    )


@bp.route("/sectors")
@signed_in
def sectors():
    return render_template(
        "directory/sectors.html", form=SectorForm(), sectors=queries.fetch_sectors()
    )


@bp.route("/sectors", methods=["POST"])
@roles_required("admin")
def add_sector():
    form = SectorForm()
    if form.validate_on_submit():
        try:
            sector = services.add_sector(form.name.data, by=current_user)
            db.session.commit()
        except services.DirectoryError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            flash(f"{sector.name} is a sector now.", "success")
            return redirect(url_for("directory.sectors"))
    return render_template(
        "directory/sectors.html", form=form, sectors=queries.fetch_sectors()
    ), 400


@bp.route("/sectors/<int:sector_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def rename_sector(sector_id):
    sector = db.get_or_404(Sector, sector_id)
    form = SectorNameForm(obj=sector)
    if form.validate_on_submit():
        was = sector.name
        try:
            services.rename_sector(sector, form.name.data, by=current_user)
            db.session.commit()
        except services.DirectoryError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            flash(f"{was} is now called {sector.name}.", "success")
            return redirect(url_for("directory.sectors"))
    return render_template("directory/sector_form.html", form=form, sector=sector), (
        400 if form.errors else 200
    )


# Importing partners from a CSV file: upload and check, preview, confirm, watch progress.

PROBLEMS_SHOWN = 500


@bp.route("/partners/import", methods=["GET", "POST"])
@officers_only
def import_partners():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.upload.data
        data = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            partner_import = services.prepare_import(
                data, filename=upload.filename, by=current_user
            )
            db.session.commit()
        except ImportFileError as error:
            db.session.rollback()
            form.upload.errors = [str(error)]
        else:
            return redirect(url_for("directory.partner_import", import_id=partner_import.id))
    return render_template(
        "directory/import.html", form=form, columns=[label for label, *_ in COLUMNS.values()]
    ), 400 if form.errors else 200


def _import_progress(partner_import):
    waiting = partner_import.status in ("queued", "importing")
    return {
        "status": partner_import.status,
        "done": partner_import.done_rows,
        "total": partner_import.good_rows,
        "waiting": 1 if waiting else 0,
    }


@bp.route("/partners/imports/<int:import_id>")
@officers_only
def partner_import(import_id):
    partner_import = db.get_or_404(PartnerImport, import_id)
    return render_template(
        "directory/import_preview.html",
        partner_import=partner_import,
        progress=_import_progress(partner_import),
        problems=partner_import.problems[:PROBLEMS_SHOWN],
        confirm_form=ConfirmForm(),
    )


@bp.route("/partners/imports/<int:import_id>.json")
@officers_only
def partner_import_progress(import_id):
    return jsonify(_import_progress(db.get_or_404(PartnerImport, import_id)))


@bp.route("/partners/imports/<int:import_id>/confirm", methods=["POST"])
@officers_only
def confirm_import(import_id):
    partner_import = db.get_or_404(PartnerImport, import_id)
    back = url_for("directory.partner_import", import_id=partner_import.id)
    if not ConfirmForm().validate_on_submit():
        flash("The page was out of date. Check the preview and try again.", "info")
        return redirect(back)
    if partner_import.good_rows == 0:
        flash("No row of this file can be imported. Correct the file and upload it again.", "info")
        return redirect(back)
    try:
        services.confirm_import(partner_import, by=current_user)
        db.session.commit()
    except services.DirectoryError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(back)
    queue.enqueue(queue.IMPORT_PARTNERS, partner_import.id)
    return redirect(back)
