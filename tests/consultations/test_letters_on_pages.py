"""A letter that computes never reaches a 500: refused when saved, and, if one is in the
database already (saved before letters were checked as they are now), the preview, the
issue page and the partner's page each carry on. A preview stays small whatever the
letter and the names."""

import pytest
from sqlalchemy import func, select

from consult.consultations.letters import MAX_FILLED_IN_LENGTH, MAX_LETTER_LENGTH
from consult.consultations.models import Consultation
from consult.correspondence.models import Message
from consult.directory import services as directory
from consult.extensions import db
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink
from consult.requests.tokens import create_token
from tests import factories

COMPUTING = [
    "Dear {{ contact_name }},\n{{ 9 ** 99999 }}",
    "Dear {{ contact_name }},\n{{ 'ab' * 3000000 }}",
]


@pytest.fixture
def officer(sign_in):
    return sign_in("officer")


def school(contact_name="Alex Morgan", name="Wingfield Academy"):
    organisation = directory.create_organisation(name=name, sector=factories.create_sector())
    directory.add_contact(
        organisation, name=contact_name, role="Headteacher", email="head@wingfield.example"
    )
    return organisation


def save_around_the_checks(consultation, letter):
    """Write the letter straight to the database, as a letter saved before would be."""
    db.session.execute(
        Consultation.__table__.update()
        .where(Consultation.id == consultation.id)
        .values(letter=letter)
    )
    db.session.commit()
    db.session.expire_all()


def count_messages():
    return db.session.scalar(select(func.count(Message.id)))


@pytest.mark.parametrize("letter", COMPUTING)
def test_a_letter_that_computes_is_refused_when_saved_through_the_page(client, officer, letter):
    consultation = factories.create_ready_consultation(officer, [school()])
    db.session.commit()
    before = consultation.letter

    response = client.post(f"/consultations/{consultation.id}/letter", data={"letter": letter})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 2 of the letter has a mistake" in page
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).letter == before


@pytest.mark.parametrize("letter", COMPUTING)
def test_a_saved_letter_that_computes_makes_the_preview_say_so_not_fail(client, officer, letter):
    consultation = factories.create_ready_consultation(officer, [school()])
    db.session.commit()
    save_around_the_checks(consultation, letter)

    response = client.get(f"/consultations/{consultation.id}/preview")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The letter cannot be filled in for Alex Morgan" in page
    assert "Line 2 of the letter has a mistake" in page


@pytest.mark.parametrize("letter", COMPUTING)
def test_a_saved_letter_that_computes_cannot_be_issued_and_the_issue_page_says_why(
    client, officer, letter
):
    consultation = factories.create_ready_consultation(officer, [school()])
    db.session.commit()
    save_around_the_checks(consultation, letter)

    shown = client.get(f"/consultations/{consultation.id}/issue")
    posted = client.post(f"/consultations/{consultation.id}/issue")

    assert shown.status_code == 200 and posted.status_code == 400
    for response in (shown, posted):
        assert "Line 2 of the letter has a mistake" in response.get_data(as_text=True)
    db.session.expire_all()
    consultation = db.session.get(Consultation, consultation.id)
    with pytest.raises(issuing.IssuingError, match="Line 2 of the letter has a mistake"):
        issuing.issue(consultation, by=officer)
    db.session.rollback()
    assert consultation.state == "draft" and count_messages() == 0


@pytest.mark.parametrize("letter", COMPUTING)
def test_a_partner_whose_saved_letter_computes_still_gets_their_page(client, app, letter):
    officer = factories.create_user("officer")
    consultation = factories.create_ready_consultation(officer, [school()])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    _row, token = create_token(db.session.scalar(select(RecipientLink)))
    db.session.commit()
    save_around_the_checks(consultation, letter)

    response = client.get(f"/r/{token}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "99999" not in page and "3000000" not in page


def longest(text, length):
    """``text`` repeated to ``length`` characters, ending in a letter, not a space."""
    return (text * length)[: length - 1] + "x"


# Every character escapes to five bytes on a page (&amp;, &#39;).
ESCAPED_WORST = "&'"


@pytest.mark.parametrize(
    ("letter", "shown"),
    [
        pytest.param(longest(ESCAPED_WORST, MAX_LETTER_LENGTH), True, id="longest letter"),
        pytest.param(
            "((contact_name))" + longest(ESCAPED_WORST, MAX_FILLED_IN_LENGTH - 200),
            True,
            id="filled in to the most allowed",
        ),
        pytest.param(
            "((question))" * (MAX_LETTER_LENGTH // len("((question))")),
            False,
            id="too long once filled in",
        ),
    ],
)
def test_a_preview_stays_under_300_kb_with_the_longest_letter_and_the_longest_names(
    client, officer, letter, shown
):
    organisation = school(
        contact_name=longest("O'Neil & ", 200), name=longest("St Mary & St John's ", 300)
    )
    consultation = factories.create_ready_consultation(officer, [organisation])
    consultation.title = longest("Children's & young people's ", 300)
    consultation.question = longest("Do you & your board support it? ", 2000)
    consultation.signatory = longest("Chief Executive & Leader's ", 300)
    consultation.reference = longest("&", 60)
    consultation.preferred_option.name = longest("Peer & partner ", 300)
    db.session.commit()
    saved = client.post(f"/consultations/{consultation.id}/letter", data={"letter": letter})
    assert saved.status_code == 302, "the letter is one an officer may save"

    response = client.get(f"/consultations/{consultation.id}/preview")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(response.data) < 300_000
    if shown:
        assert "&amp;&#39;" * 1000 in page
    else:
        assert "Filled in, the letter would be longer than 50,000 characters" in page


def test_resending_a_link_with_a_letter_that_computes_says_why_and_sends_nothing(client, officer):
    consultation = factories.create_ready_consultation(officer, [school()])
    issuing.issue(consultation, by=officer)
    db.session.commit()
    save_around_the_checks(consultation, COMPUTING[0])
    link = db.session.scalar(select(RecipientLink))
    before = count_messages()

    response = client.post(
        f"/links/{link.id}/resend", data={"tokens_seen": 1}, follow_redirects=True
    )

    assert response.status_code == 200
    assert "The letter cannot be sent as it stands" in response.get_data(as_text=True)
    assert count_messages() == before
