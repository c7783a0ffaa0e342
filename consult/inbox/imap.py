"""Reading the council's reply mailbox over IMAP (IMAPClient), in batches.

Each batch is fetched without marking it read (``BODY.PEEK[]``), stored with the mailbox
position in one commit, and only then flagged as filed, or moved to another folder, as
IMAP_AFTER says. A worker stopped at any point, or a server that goes away mid-batch,
leaves the batch either stored or still unread, never half of each: the next poll
starts after the last stored UID, and Message-IDs keep a copy from being stored twice.
"""

import contextlib
import logging
import socket
import ssl
from datetime import UTC

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from consult.correspondence import oauth
from consult.extensions import db
from consult.inbox import filing

logger = logging.getLogger(__name__)

FILED_FLAG = b"$ConsultFiled"
SEEN = b"\\Seen"


class MailboxUnavailable(Exception):
    """The mailbox could not be read now; the message says why. Nothing is lost: the
    next poll reads from where the last stored batch ended."""


def is_configured(config):
    return bool(config.get("IMAP_HOST"))


def mailbox_name(config):
    """How the stored emails name their mailbox folder: the user and folder, never the
    password."""
    return f"imap:{username(config)}/{config['IMAP_FOLDER']}"


def username(config):
    return config.get("IMAP_USERNAME") or config.get("MAIL_REPLY_TO") or ""


def read_mailbox(config, *, on_batch=None, on_stored=None):
    """Store every message in the folder after the saved position. Returns how many were
    stored. Raises MailboxUnavailable when the server cannot be reached or refuses.

    After each batch is committed, ``on_stored`` is given the new arrivals' ids (to have
    them filed) and ``on_batch`` how many are stored so far, of how many."""
    name = mailbox_name(config)
    try:
        client = _connect(config)
    except (OSError, IMAPClientError, oauth.TokenError) as error:
        raise MailboxUnavailable(_why(error, config)) from None
    stored = 0
    try:
        if config["IMAP_AFTER"] == "move" and not client.folder_exists(config["IMAP_MOVE_TO"]):
            client.create_folder(config["IMAP_MOVE_TO"])
        folder = client.select_folder(config["IMAP_FOLDER"])
        uid_validity = int(folder[b"UIDVALIDITY"])
        position = filing.mailbox_position(name)
        after = position.last_uid if position.uid_validity == uid_validity else 0
        db.session.commit()
        uids = sorted(uid for uid in client.search(["UID", f"{after + 1}:*"]) if uid > after)
        size = config["IMAP_BATCH_SIZE"]
        for start in range(0, len(uids), size):
            batch = uids[start : start + size]
            fetched = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            items = [
                (uid, fetched[uid][b"BODY[]"], _aware(fetched[uid].get(b"INTERNALDATE")))
                for uid in batch
                if uid in fetched and fetched[uid].get(b"BODY[]") is not None
            ]
            arrivals = filing.store_batch(name, uid_validity, items)
            db.session.commit()
            stored += len(arrivals)
            if on_stored is not None and arrivals:
                on_stored([arrival.id for arrival in arrivals])
            _acknowledge(client, batch, config)
            if on_batch is not None:
                on_batch(stored, len(uids))
    except (OSError, IMAPClientError) as error:
        db.session.rollback()
        raise MailboxUnavailable(_why(error, config)) from None
    finally:
        with contextlib.suppress(OSError, IMAPClientError):
            client.logout()
    return stored


def _connect(config):
    context = ssl.create_default_context() if config["IMAP_SSL"] else None
    client = IMAPClient(
        config["IMAP_HOST"],
        port=config["IMAP_PORT"],
        ssl=config["IMAP_SSL"],
        ssl_context=context,
        timeout=config["MAIL_TIMEOUT_SECONDS"],
    )
    client.normalise_times = False  # INTERNALDATE with its offset, not as local time
    try:
        if config["IMAP_AUTH"] == "oauth2":
            _sign_in_with_token(client, config)
        else:
            client.login(username(config), config["IMAP_PASSWORD"] or "")
    except BaseException:
        client.shutdown()
        raise
    return client


def _sign_in_with_token(client, config):
    """AUTHENTICATE XOAUTH2 as the mailbox, with the token the MAIL_OAUTH_* settings get;
    a refused token is forgotten and a new one tried, once."""
    tokens = oauth.token_provider(dict(config, MAIL_AUTH="oauth2"))
    for attempt in (1, 2):
        token = tokens.token()
        try:
            client.oauth2_login(username(config), token)
            return
        except LoginError:
            tokens.forget(token)
            if attempt == 2:
                raise


def _acknowledge(client, uids, config):
    """Mark stored messages in the mailbox: flagged as filed (and read), or moved."""
    try:
        if config["IMAP_AFTER"] == "move":
            client.move(uids, config["IMAP_MOVE_TO"])
        else:
            client.add_flags(uids, [SEEN, FILED_FLAG])
    except IMAPClientError as error:
        # Stored already: a mailbox that will not take the flag or the move loses
        # nothing, and the position keeps the messages from being read again.
        logger.warning("could not mark %d stored messages in the mailbox: %s", len(uids), error)


def _aware(when):
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _why(error, config):
    where = f"{config['IMAP_HOST']}:{config['IMAP_PORT']}"
    if isinstance(error, LoginError):
        return f"The mailbox {username(config)} refused Consult's sign-in at {where}"
    if isinstance(error, oauth.TokenError):
        return f"Consult could not get a sign-in token for the mailbox: {error}"
    if isinstance(error, socket.timeout | TimeoutError):
        return f"The mailbox server at {where} did not answer in time"
    if isinstance(error, OSError):
        return f"The mailbox server at {where} could not be reached ({error.strerror or error})"
    return f"The mailbox server at {where} failed: {error}"
