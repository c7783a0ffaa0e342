"""Finding people to add to a draft: what is typed is looked for as it is."""

from consult.directory import services as directory
from consult.extensions import db
from consult.issuing.queries import search_contacts
from tests import factories


def test_a_percent_sign_or_underscore_is_looked_for_as_itself(app):
    organisation = directory.create_organisation(
        name="Wingfield Academy", sector=factories.create_sector()
    )
    directory.add_contact(organisation, name="Alex Morgan", email="alex@wingfield.example")
    directory.add_contact(organisation, name="Sam_Lee", email="sam.lee@wingfield.example")
    db.session.commit()

    def names(text):
        rows, _total = search_contacts(text, page=1)
        return [contact.name for contact, _organisation in rows]

    assert names("%") == []
    assert names("_") == ["Sam_Lee"]
    assert names("morgan") == ["Alex Morgan"]
