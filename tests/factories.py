"""Plain functions that make what a test needs, through the app's own services."""

from itertools import count

from consult.auth.services import create_user as create_user_service
from consult.directory import services as directory

PASSWORD = "correct horse battery staple"
_numbers = count(1)


def create_user(role="officer", email=None, name=None, password=PASSWORD):
    number = next(_numbers)
    return create_user_service(
        email=email or f"{role}{number}@council.example",
        name=name or f"Test {role.title()} {number}",
        role=role,
        password=password,
    )


def create_sector(slug="school", name="School"):
    return directory.ensure_sector(slug, name)


def create_organisation(name=None, sector=None, contact_email=None):
    number = next(_numbers)
    organisation = directory.create_organisation(
        name=name or f"Partner {number}", sector=sector or create_sector()
    )
    directory.add_contact(
        organisation,
        name=f"Contact {number}",
        role="Chief Executive",
        email=contact_email or f"contact{number}@partner.example",
    )
    return organisation


def create_ready_consultation(officer, organisations, *, reference="CYPS-2017", deadline=None):
    """A draft with a preferred option, a letter, a future deadline and recipients: ready
    to issue to every contact of ``organisations``."""
    from datetime import timedelta

    from consult.consultations import services as consultations
    from consult.db import utcnow
    from consult.issuing import services as issuing

    consultation = consultations.create_consultation(
        reference=reference,
        title="Children's services: alternative management arrangements",
        created_by=officer,
        question="Do you support the preferred option?",
        letter=(
            "Dear {{ contact_name }},\n\nI am writing to ask for {{ organisation }}'s view on "
            "{{ preferred_option }}. Please reply by {{ deadline }} using your own link:\n"
            "{{ link }}\n\n{{ signatory }}"
        ),
        signatory="Chief Executive",
        deadline_at=deadline or (utcnow() + timedelta(days=21)),
    )
    consultations.add_option(
        consultation, name="Appointment of a peer practice partner", is_preferred=True
    )
    consultations.add_option(consultation, name="Commission by contract")
    for organisation in organisations:
        issuing.add_recipient(consultation, organisation, organisation.contacts)
    return consultation


def create_stored_pdf(filename="annex.pdf"):
    """A one-page PDF kept the way an upload is kept."""
    import io

    from werkzeug.datastructures import FileStorage

    from consult.files.services import store_upload
    from tests.files.samples import pdf_bytes

    return store_upload(FileStorage(io.BytesIO(pdf_bytes()), filename), ("pdf",))


def create_partner_link(organisation_name="Wingfield Academy"):
    """An issued consultation to one school, committed, and a raw link token for it: what
    a partner's email carries."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.issuing import services as issuing
    from consult.requests.models import RecipientLink
    from consult.requests.tokens import create_token

    officer = create_user("officer")
    school = create_organisation(organisation_name)
    consultation = create_ready_consultation(officer, [school])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    _row, token = create_token(db.session.scalar(select(RecipientLink)))
    db.session.commit()
    return token
