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
