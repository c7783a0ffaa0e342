"""The partner directory in a real browser: accessible, and working without JavaScript."""

import pytest
from playwright.sync_api import expect

from consult.extensions import db
from tests import factories
from tests.browser.signing_in import sign_in

pytestmark = pytest.mark.browser


def add_organisation_and_contact(page, check=lambda page: None):
    page.get_by_role("link", name="Partners").click()
    check(page)
    page.get_by_role("link", name="Add an organisation").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Name").fill("Wingfield Academy")
    page.get_by_label("Sector").select_option(label="School")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Wingfield Academy")).to_be_visible()
    check(page)
    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Full name").fill("Alex Morgan")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a valid email address").first).to_be_visible()
    check(page)
    page.get_by_label("Email address").fill("head@wingfield.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("head@wingfield.example")).to_be_visible()
    check(page)


@pytest.fixture
def officer(app):
    user = factories.create_user("officer")
    factories.create_sector("school", "School")
    db.session.commit()
    return user


def test_the_directory_pages_are_accessible(page, live_server, assert_accessible, officer):
    sign_in(page, live_server, officer)

    add_organisation_and_contact(page, check=assert_accessible)

    page.goto(f"{live_server}/sectors")
    assert_accessible(page)


def test_the_directory_works_without_javascript(page_without_javascript, live_server, officer):
    # axe itself needs JavaScript, so this pass checks the journey only.
    sign_in(page_without_javascript, live_server, officer)

    add_organisation_and_contact(page_without_javascript)


def import_a_file(page, live_server, tmp_path, check=lambda page: None):
    from sqlalchemy import select

    from consult.directory.models import PartnerImport
    from worker.tasks.directory import import_partners

    path = tmp_path / "partners.csv"
    path.write_bytes(
        b"Organisation,Sector,Contact name,Contact email\n"
        b"Wingfield Academy,School,Alex Morgan,head@wingfield.example\n"
        b"Oakwood High,Schools,Sam Lee,sam@oakwood.example\n"
    )
    page.goto(f"{live_server}/partners")
    page.get_by_role("link", name="Import partners from a CSV file").click()
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("Select a CSV file of partners").first).to_be_visible()
    check(page)
    page.get_by_label("Upload a CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("“Schools” is not a sector")).to_be_visible()
    check(page)
    page.get_by_role("button", name="Import 1 row, leaving out the rows with problems").click()
    expect(page.get_by_role("heading", name="Importing partners")).to_be_visible()
    check(page)
    import_partners(db.session.scalar(select(PartnerImport.id)))
    expect(page.get_by_role("link", name="Refresh this page")).to_be_visible()
    page.reload()  # what the link does; with JavaScript on, the page may reload itself first
    expect(page.get_by_role("heading", name="Partners imported")).to_be_visible()
    check(page)


def test_the_import_pages_are_accessible(page, live_server, assert_accessible, officer, tmp_path):
    sign_in(page, live_server, officer)
    import_a_file(page, live_server, tmp_path, check=assert_accessible)


def test_importing_works_without_javascript(
    page_without_javascript, live_server, officer, tmp_path
):
    sign_in(page_without_javascript, live_server, officer)
    import_a_file(page_without_javascript, live_server, tmp_path)


def test_an_admin_renames_a_sector_in_the_browser(page, live_server, assert_accessible, app):
    admin = factories.create_user("admin")
    factories.create_sector("school", "School")
    db.session.commit()
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/sectors")
    page.get_by_role("link", name="Rename School").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Schools and academies")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("School is now called Schools and academies")).to_be_visible()
    assert_accessible(page)
