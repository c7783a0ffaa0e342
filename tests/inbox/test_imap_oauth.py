"""The reply mailbox read with AUTHENTICATE XOAUTH2 (IMAP_AUTH=oauth2), against a real
Dovecot that takes a token only when the provider's introspection says it is active and
the mailbox's own. Only the provider is played, on loopback: its token URL gives Consult
the token, and its introspection answers Dovecot."""

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.inbox import imap
from consult.inbox.models import Arrival
from tests.inbox.emails import outlook_reply
from tests.mail_servers import Dovecot, _binary
from tests.oauth_provider import TokenEndpoint
from tests.services import require


@pytest.fixture
def provider():
    endpoint = TokenEndpoint(tenant="council", client_id="consult", secret="Sh/h:reading")
    endpoint.start()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def oauth_mailbox(provider):
    """A Dovecot of its own, asking ``provider`` about each token."""
    require(_binary("dovecot") is not None, "Dovecot (Debian's dovecot-imapd)")
    server = Dovecot(introspection_url=f"{provider.url}/introspect")
    provider.subject = server.user
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture
def reading(app, provider, oauth_mailbox):
    app.config.update(
        IMAP_HOST=oauth_mailbox.host,
        IMAP_PORT=oauth_mailbox.port,
        IMAP_SSL=False,
        IMAP_AUTH="oauth2",
        IMAP_USERNAME=oauth_mailbox.user,
        IMAP_PASSWORD=None,
        MAIL_TIMEOUT_SECONDS=30,  # Dovecot waits a while before a sign-in after a refusal
        MAIL_OAUTH_PROVIDER="token_url",
        MAIL_OAUTH_TOKEN_URL=f"{provider.url}/token",
        MAIL_OAUTH_CLIENT_ID=provider.client_id,
        MAIL_OAUTH_CLIENT_SECRET=provider.secret,
        MAIL_OAUTH_SCOPES=("https://mail.council.example/.default",),
    )
    return app.config


def stored():
    db.session.rollback()
    return db.session.scalars(select(Arrival.message_id)).all()


def test_the_mailbox_is_read_signed_in_with_a_token(issued, reading, provider, oauth_mailbox):
    oauth_mailbox.append(outlook_reply(message_id="<token.1@school.example>"))

    assert imap.read_mailbox(reading) == 1

    assert stored() == ["<token.1@school.example>"]
    assert provider.token_calls == 1
    assert provider.introspected == provider.issued  # Dovecot asked about Consult's token


def test_a_token_the_server_refuses_is_replaced_once_then_reading_waits(
    issued, reading, provider, oauth_mailbox
):
    oauth_mailbox.append(outlook_reply(message_id="<token.2@school.example>"))
    provider.issue_good = False  # tokens the provider says are not active

    with pytest.raises(imap.MailboxUnavailable, match="refused Consult's sign-in"):
        imap.read_mailbox(reading)
    assert stored() == []
    assert provider.token_calls == 2  # the refused token forgotten and a new one tried

    provider.issue_good = True  # consent granted: the next poll reads what waited
    assert imap.read_mailbox(reading) == 1
    assert stored() == ["<token.2@school.example>"]


def test_a_provider_that_gives_no_token_says_why(issued, reading, provider, oauth_mailbox):
    provider.refusal = (401, {"error": "invalid_client", "error_description": "secret expired"})

    with pytest.raises(imap.MailboxUnavailable, match="could not get a sign-in token"):
        imap.read_mailbox(reading)
    assert provider.introspected == []  # nothing reached the mailbox


def test_a_password_does_not_open_a_mailbox_set_to_tokens(issued, reading, oauth_mailbox):
    # The same Dovecot still takes the password; Consult, set to oauth2, never sends it.
    reading.update(IMAP_PASSWORD=oauth_mailbox.password, MAIL_OAUTH_TOKEN_URL="http://127.0.0.1:1/")
    with pytest.raises(imap.MailboxUnavailable, match="could not get a sign-in token"):
        imap.read_mailbox(reading)
