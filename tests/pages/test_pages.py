"""The pages a public service must have: anyone may read them, and every footer, a
partner's and a signed-in officer's, links to all three."""

import pytest

from tests import factories

PAGES = {
    "/accessibility": "Accessibility statement for Consult",
    "/privacy": "Privacy notice for partners",
    "/cookies": "Cookies",
}


@pytest.mark.parametrize(("url", "heading"), PAGES.items())
def test_anyone_may_read_them(client, url, heading):
    page = client.get(url)
    assert page.status_code == 200
    assert f">{heading}</h1>" in page.get_data(as_text=True)


@pytest.mark.parametrize(("url", "heading"), PAGES.items())
def test_a_partner_who_opened_their_link_may_read_them(client, url, heading):
    token = factories.create_partner_link()
    assert client.post(f"/r/{token}").status_code == 303

    page = client.get(url)

    assert page.status_code == 200
    assert f">{heading}</h1>" in page.get_data(as_text=True)


def test_the_privacy_notice_gives_the_default_retention_in_days_and_years(app, client):
    app.config["DEFAULT_RETENTION_DAYS"] = 730
    text = client.get("/privacy").get_data(as_text=True)
    assert "730 days (2 years) after the consultation closes" in text


def test_the_privacy_notice_gives_the_retention_and_what_is_published(app, client):
    text = client.get("/privacy").get_data(as_text=True)
    assert f"{app.config['DEFAULT_RETENTION_DAYS']} days" in text
    assert "phone numbers and links to this service are taken out" in text


def test_every_footer_links_to_all_three(app, client, sign_in):
    token = factories.create_partner_link()
    for page in (client.get(f"/r/{token}"), client.get("/sign-in")):
        text = page.get_data(as_text=True)
        for url in PAGES:
            assert f'href="{url}"' in text
    sign_in("officer")
    text = client.get("/consultations").get_data(as_text=True)
    assert all(f'href="{url}"' in text for url in PAGES)
