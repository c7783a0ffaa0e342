"""Nothing is removed by accident: an option, a criterion, a contact or a recipient is
removed only after the officer answers "Yes, remove" on a page that names it."""

import pytest
from sqlalchemy import func, select

from consult.consultations import services as consultations
from consult.consultations.models import Criterion, Option, Score
from consult.directory.models import Contact
from consult.extensions import db
from consult.requests.models import RecipientLink, Request
from tests import factories


@pytest.fixture
def officer(sign_in):
    return sign_in("officer")


@pytest.fixture
def draft(officer):
    school = factories.create_organisation("Wingfield Academy")
    consultation = factories.create_ready_consultation(officer, [school])
    criterion = consultations.add_criterion(consultation, "Pace of improvement")
    consultations.set_scores(
        consultation, {(option.id, criterion.id): 4 for option in consultation.options}
    )
    db.session.commit()
    return consultation


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def asks(page, question, back):
    """The confirmation page: the question naming the thing, Yes remove, No go back."""
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<h1 class="govuk-heading-l">{question}</h1>' in text
    assert "Yes, remove" in text
    assert f'<a class="govuk-link" href="{back}">No, go back</a>' in text
    return text


def test_the_options_page_links_to_a_question_before_an_option_is_removed(client, draft):
    options_page = client.get(f"/consultations/{draft.id}/options").get_data(as_text=True)
    second = draft.options[1]
    assert f'href="/options/{second.id}/remove"' in options_page

    text = asks(
        client.get(f"/options/{second.id}/remove"),
        "Are you sure you want to remove the option Commission by contract?",
        f"/consultations/{draft.id}/options",
    )
    assert "Its scores in the appraisal are removed too." in text
    assert count(Option) == 2  # asking removes nothing

    removed = client.post(f"/options/{second.id}/remove")

    assert removed.status_code == 302
    assert removed.headers["Location"] == f"/consultations/{draft.id}/options"
    assert count(Option) == 1 and count(Score) == 1
    assert "Commission by contract is removed." in client.get(removed.headers["Location"]).text


def test_removing_the_preferred_option_says_another_must_be_marked(client, draft):
    preferred = draft.options[0]

    text = asks(
        client.get(f"/options/{preferred.id}/remove"),
        "Are you sure you want to remove the option Appointment of a peer practice partner?",
        f"/consultations/{draft.id}/options",
    )

    assert "mark another option as preferred before you issue" in text


def test_a_criterion_is_removed_only_after_the_officer_says_yes(client, draft):
    criterion = draft.criteria[0]
    appraisal = client.get(f"/consultations/{draft.id}/appraisal").get_data(as_text=True)
    assert f'href="/criteria/{criterion.id}/remove"' in appraisal

    text = asks(
        client.get(f"/criteria/{criterion.id}/remove"),
        "Are you sure you want to remove the criterion Pace of improvement?",
        f"/consultations/{draft.id}/appraisal",
    )
    assert "Every option&#39;s score on it is removed too." in text
    assert count(Criterion) == 1 and count(Score) == 2

    client.post(f"/criteria/{criterion.id}/remove")

    assert count(Criterion) == 0 and count(Score) == 0


def test_a_contact_is_removed_only_after_the_officer_says_yes(client, officer):
    organisation = factories.create_organisation("Brinsworth Academy")
    contact = organisation.contacts[0]
    db.session.commit()
    name = contact.name
    page = client.get(f"/partners/{organisation.id}").get_data(as_text=True)
    assert f'href="/contacts/{contact.id}/remove"' in page

    asks(
        client.get(f"/contacts/{contact.id}/remove"),
        f"Are you sure you want to remove {name} from Brinsworth Academy?",
        f"/partners/{organisation.id}",
    )
    assert count(Contact) == 1

    removed = client.post(f"/contacts/{contact.id}/remove")

    assert removed.headers["Location"] == f"/partners/{organisation.id}"
    assert count(Contact) == 0
    assert f"{name} is removed." in client.get(removed.headers["Location"]).text


def test_a_contact_who_must_stay_on_record_is_not_asked_about(client, draft):
    contact = db.session.scalar(select(RecipientLink)).contact

    page = client.get(f"/contacts/{contact.id}/remove")

    assert page.status_code == 302
    assert "has been sent requests, so stays on record" in client.get(page.headers["Location"]).text
    assert count(Contact) == 1


def test_a_recipient_organisation_is_removed_only_after_the_officer_says_yes(client, draft):
    request = db.session.scalar(select(Request))
    recipients = f"/consultations/{draft.id}/recipients"
    url = f"{recipients}/{request.id}/remove"
    assert f'href="{url}"' in client.get(recipients).get_data(as_text=True)

    text = asks(
        client.get(url),
        "Are you sure you want to remove Wingfield Academy from the recipients?",
        recipients,
    )
    assert "Wingfield Academy and its 1 person will not be sent the letter." in text
    assert count(Request) == 1

    client.post(url)

    assert count(Request) == 0 and count(RecipientLink) == 0


def test_a_recipient_person_is_removed_only_after_the_officer_says_yes(client, draft):
    link = db.session.scalar(select(RecipientLink))
    name = link.contact.name
    recipients = f"/consultations/{draft.id}/recipients"
    assert f'href="/links/{link.id}/remove"' in client.get(recipients).get_data(as_text=True)

    text = asks(
        client.get(f"/links/{link.id}/remove"),
        f"Are you sure you want to remove {name} from the recipients?",
        recipients,
    )
    assert f"{name} at Wingfield Academy will not be sent the letter." in text
    assert "Nobody else at Wingfield Academy is a recipient, so it goes too." in text

    client.post(f"/links/{link.id}/remove")

    assert count(RecipientLink) == 0 and count(Request) == 0


def test_an_issued_consultations_recipients_are_not_offered_for_removal(client, draft, officer):
    from consult.issuing import services as issuing

    issuing.issue(draft, by=officer)
    db.session.commit()
    link = db.session.scalar(select(RecipientLink))

    page = client.get(f"/links/{link.id}/remove")

    assert page.status_code == 302
    assert count(RecipientLink) == 1


def test_removal_pages_are_for_officers_only(client, sign_in, draft):
    client.post("/sign-out")
    sign_in("scrutiny")
    option = draft.options[1]

    assert client.get(f"/options/{option.id}/remove").status_code == 403
    assert client.post(f"/options/{option.id}/remove").status_code == 403
    assert count(Option) == 2
