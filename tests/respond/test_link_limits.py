"""Partners behind one network address (an NHS trust, a police force) never lock each
other out of their links; one link is still limited, and behind a proxy the limit counts
the real client."""

from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from consult.extensions import db, limiter
from consult.issuing import services as issuing
from consult.requests.models import RecipientLink
from consult.requests.tokens import create_token
from tests import factories

TRUST_ADDRESS = {"REMOTE_ADDR": "192.0.2.10"}  # one address for a whole trust


def partners_tokens(count):
    officer = factories.create_user("officer")
    organisations = [factories.create_organisation() for _ in range(count)]
    consultation = factories.create_ready_consultation(officer, organisations)
    issuing.issue(consultation, by=officer)
    db.session.commit()
    links = db.session.scalars(select(RecipientLink).order_by(RecipientLink.id)).all()
    tokens = [create_token(link)[1] for link in links]
    db.session.commit()
    return tokens


def test_fifty_partners_from_one_address_all_reach_their_pages(app, client):
    limiter.reset()
    tokens = partners_tokens(50)

    for token in tokens:
        landing = client.get(f"/r/{token}", environ_base=TRUST_ADDRESS)
        started = client.post(f"/r/{token}", environ_base=TRUST_ADDRESS)
        assert landing.status_code == 200
        assert started.status_code == 303


def test_one_link_opened_too_often_from_one_address_is_limited(app, client):
    limiter.reset()
    [token] = partners_tokens(1)

    answers = [client.get(f"/r/{token}", environ_base=TRUST_ADDRESS) for _ in range(11)]

    assert [answer.status_code for answer in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert "Wait 1 minute, then try again" in answers[10].get_data(as_text=True)
    assert client.get(f"/r/{token}", environ_base={"REMOTE_ADDR": "192.0.2.99"}).status_code == 200


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(app, client):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # as TRUSTED_PROXIES=1 does
    limiter.reset()
    [token] = partners_tokens(1)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def opened_from(address):
        headers = {"X-Forwarded-For": address}
        return client.get(f"/r/{token}", environ_base=proxy, headers=headers).status_code

    first = [opened_from("198.51.100.7") for _ in range(11)]

    assert first[-1] == 429
    assert opened_from("198.51.100.8") == 200


def test_trusted_proxies_puts_proxy_fix_in_front_of_the_app(database_url, tmp_path):
    from consult import create_app
    from tests.conftest import make_config

    assert not isinstance(create_app(make_config(database_url, tmp_path)).wsgi_app, ProxyFix)
    proxied = create_app(make_config(database_url, tmp_path, TRUSTED_PROXIES=2))
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert proxied.wsgi_app.x_for == 2 and proxied.wsgi_app.x_proto == 2
