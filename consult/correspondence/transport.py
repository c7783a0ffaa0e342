"""Handing a stored message to the mail server, or to the development mailbox.

On ``smtplib`` directly (Consult's emails need no more than one connection, a sign-in and
``sendmail``). The sign-in is a password (MAIL_AUTH=password) or an OAuth 2.0 token
(MAIL_AUTH=oauth2: ``AUTH XOAUTH2``, the token from ``oauth.py``). Every message is built
whole, its bytes included, before any connection is opened: one that cannot be built
fails at once with the reason, and is never retried.
What the server or the network says is turned into a ``TemporaryFailure`` (try again
later) or a ``PermanentFailure`` (sending again would not help).
"""

import contextlib
import smtplib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from consult.correspondence import oauth
from consult.correspondence.models import LINK_PLACEHOLDER
from consult.correspondence.wire import OutgoingMail, ascii_address, bare_address, message_id_header
from consult.db import utcnow
from consult.sealing import SealError, unseal


class TemporaryFailure(Exception):
    """Try again later. ``connection_lost`` means the rest of the batch should wait too."""

    def __init__(self, reason, connection_lost=False):
        super().__init__(reason)
        self.connection_lost = connection_lost


class PermanentFailure(Exception):
    """Sending again would not help: the address or the message is refused."""


class TokenRefused(Exception):
    """The mail server would not take Consult's sign-in token, a new one included."""


@dataclass(frozen=True)
class BuiltMail:
    """A message ready for the wire: its bytes and its envelope."""

    stored_id: int  # the Message row's id
    envelope_from: str
    envelope_to: list
    wire: bytes


def build_mail(message):
    """The stored ``message`` as it goes to the server, with the partner's link put back
    in. A message that cannot be written (a bad address or header) is a PermanentFailure."""
    text, html = message.body_text, message.body_html
    if message.sealed_link:
        try:
            token = unseal(message.sealed_link)
        except SealError as error:
            raise PermanentFailure(str(error)) from None
        # The stored bodies name LINK_PLACEHOLDER where the secret goes: in a partner's
        # link, or in an account invitation's set-password address.
        text = text.replace(LINK_PLACEHOLDER, token)
        html = html.replace(LINK_PLACEHOLDER, token)
    config = current_app.config
    addressee = (message.to_name, message.to_address) if message.to_name else message.to_address
    mail = OutgoingMail(
        subject=message.subject,
        sender=config["MAIL_DEFAULT_SENDER"],
        recipients=[addressee],
        body=text,
        html=html or None,
        reply_to=config["MAIL_REPLY_TO"],
        message_id=message_id_header(message.id, message.purpose, config["MAIL_DEFAULT_SENDER"]),
    )
    try:
        return BuiltMail(
            message.id,
            ascii_address(bare_address(mail.sender)),
            [ascii_address(message.to_address)],
            mail.as_bytes(),
        )
    except ValueError as error:  # UnicodeError is one
        raise PermanentFailure(f"This email cannot be sent as it stands: {error}") from None


def classify(error):
    """Turn what the mail server or the network said into a temporary or permanent failure."""
    if isinstance(error, TokenRefused | oauth.TokenError):
        # Nothing is wrong with the message: it waits, however long, for a token that works.
        return TemporaryFailure(f"{error}; mail will be tried again", connection_lost=True)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        reply = "; ".join(f"{code} {text!r}" for code, text in error.recipients.values())
        if codes and all(code >= 500 for code in codes):
            return PermanentFailure(f"The address was refused: {reply}")
        return TemporaryFailure(f"The address was refused for now: {reply}")
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"The mail server disconnected: {error}", connection_lost=True)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = f"{error.smtp_code} {error.smtp_error!r}"
        if error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError):
            return PermanentFailure(f"The mail server refused the message: {reply}")
        return TemporaryFailure(f"The mail server said: {reply}", connection_lost=True)
    if isinstance(error, OSError | smtplib.SMTPException):
        return TemporaryFailure(f"Could not reach the mail server: {error!r}", connection_lost=True)
    return None


class SMTPConnection:
    """One SMTP session, from the MAIL_* settings, with a time-out so a silent server
    cannot hang a worker."""

    def __init__(self, config):
        timeout = config["MAIL_TIMEOUT_SECONDS"]
        server, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        if config["MAIL_USE_SSL"]:
            self.host = smtplib.SMTP_SSL(server, port, timeout=timeout)
        else:
            self.host = smtplib.SMTP(server, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"]:
                self.host.starttls()
            tokens = oauth.token_provider(config)
            if tokens is not None:
                self._sign_in_with_token(config["MAIL_USERNAME"], tokens)
            elif config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
                self.host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            self.host.close()
            raise

    def _sign_in_with_token(self, address, tokens):
        """``AUTH XOAUTH2`` as the mailbox ``address``. A token the server refuses with a
        535 (revoked, or expired early) is forgotten and a new one tried, once; a second
        refusal is a TokenRefused, and the batch waits."""
        self.host.ehlo_or_helo_if_needed()
        offered = self.host.esmtp_features.get("auth", "").upper().split()
        if "XOAUTH2" not in offered:
            raise TokenRefused(
                f"The mail server does not take sign-in tokens (AUTH XOAUTH2); it offers"
                f" {' '.join(offered) or 'no sign-in'}. Check MAIL_SERVER and MAIL_AUTH"
            )
        for attempt in (1, 2):
            token = tokens.token()
            try:
                self.host.auth("XOAUTH2", _xoauth2(address, token), initial_response_ok=True)
                return
            except smtplib.SMTPAuthenticationError as error:
                tokens.forget(token)
                if error.smtp_code != 535 or attempt == 2:
                    raise TokenRefused(
                        f"The mail server refused Consult's sign-in token ({tokens.name}):"
                        f" {error.smtp_code} {error.smtp_error!r}"
                    ) from None

    def send(self, mail):
        self.host.sendmail(mail.envelope_from, mail.envelope_to, mail.wire)

    def close(self):
        self.host.quit()


def _xoauth2(address, token):
    """smtplib's authobject for XOAUTH2: first the ``user=...^Aauth=Bearer ...^A^A``
    string; to a refusal's challenge (the server's reason, in JSON) an empty answer, after
    which the server sends its 535."""

    def answer(challenge=None):
        if challenge is not None:
            return ""
        return f"user={address}\x01auth=Bearer {token}\x01\x01"

    return answer


class MailboxConnection:
    """Development: each email is written, exactly as it would go to the mail server, to
    a ``.eml`` file in MAILBOX_DIR, which the mailbox pages (``consult/mailbox/``) read."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, mail):
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{mail.stored_id}.eml"
        (self.directory / name).write_bytes(mail.wire)

    def close(self):
        pass


class Sender:
    """One connection for a batch, opened when first needed."""

    def __init__(self):
        self.connection = None

    def send(self, mail):
        if self.connection is None:
            config = current_app.config
            if config["MAIL_BACKEND"] == "mailbox":
                self.connection = MailboxConnection(config["MAILBOX_DIR"])
            else:
                self.connection = SMTPConnection(config)
        self.connection.send(mail)

    def close(self):
        connection, self.connection = self.connection, None
        if connection is None:
            return
        # If the server went away, the messages are already recorded: nothing to do.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()


def send_claimed(message, sender):
    """Build and send one claimed message. Raises TemporaryFailure or PermanentFailure."""
    mail = build_mail(message)
    try:
        sender.send(mail)
    except Exception as error:
        failure = classify(error)
        if failure is None:
            raise
        raise failure from error
