"""Real mail servers for the tests of the council's reply mailbox: a private Dovecot (IMAP,
and LMTP for Postfix to deliver into) and a private Postfix whose bounces are real
non-delivery reports (RFC 3464).

Each pytest process (each xdist worker) starts its own, with its own configuration in a
temporary folder and on free loopback ports: nothing is read from /etc/dovecot or
/etc/postfix, and the system's own daemons need not run.

Where mail goes through the Postfix:

- to anyone at ``council.example``: by LMTP into the Dovecot (only ``replies@`` exists
  there; any other council address bounces);
- to anyone at ``partners.example``: accepted and dropped, as if delivered;
- to anyone at ``unknown.partners.example``: accepted, then refused by the partners' "mail
  server" (a second listener of the same Postfix) with ``550 5.1.1 ... User unknown``, so
  the Postfix bounces it to the envelope sender: a ``multipart/report`` with Status 5.1.1;
- anywhere else: refused at RCPT (relay access denied).

Nothing is looked up in DNS and nothing leaves the machine.
"""

import grp
import os
import pwd
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.services import require
from tests.smtp import free_port

MAILBOX_USER = "replies@council.example"
MAILBOX_PASSWORD = "replies-test-password"
UNKNOWN_PARTNERS_DOMAIN = "unknown.partners.example"


def _binary(name):
    """Where a daemon's command is; /usr/sbin is often not on a user's PATH."""
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def _tail(path, lines=30):
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _group_is_running(process_group):
    """Whether a process of the group is alive; a zombie left for init to reap is not."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _parent, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
        if int(group) == process_group and state != "Z":
            return True
    return False


def _wait_for_group_to_end(process_group, timeout=10):
    """Wait until no process of the group is left; SIGKILL whatever outlives the wait."""
    deadline = time.monotonic() + timeout
    while _group_is_running(process_group):
        if time.monotonic() > deadline:
            with suppress(ProcessLookupError):
                os.killpg(process_group, signal.SIGKILL)
            return
        time.sleep(0.05)


def _answers(port, greeting=b""):
    """Whether something on 127.0.0.1:port accepts a connection (and greets with ``greeting``)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            return not greeting or connection.recv(200).startswith(greeting)
    except OSError:
        return False


class Dovecot:
    """A Dovecot of this process's own: the council's reply mailbox over IMAP on
    ``host:port`` (plain login, no TLS), and LMTP on ``lmtp_port`` for the Postfix.

    Mail is kept in a maildir in the temporary folder, so :meth:`stop` then :meth:`start`
    keeps it, on the same ports. As root the mail belongs to ``nobody`` and Dovecot's own
    processes run as Debian's ``dovecot`` and ``dovenull`` users (Dovecot will not store
    mail as root); otherwise everything runs as the current user.

    With ``introspection_url`` it also takes ``AUTHENTICATE XOAUTH2``, asking that URL
    whether each token is active and whose (its oauth2 passdb, ``introspection_mode =
    post``), as a provider's mail server does.
    """

    host = "127.0.0.1"
    user = MAILBOX_USER
    password = MAILBOX_PASSWORD

    def __init__(self, introspection_url=None):
        self.introspection_url = introspection_url
        self.base_dir = Path(tempfile.mkdtemp(prefix="consult-dovecot-"))
        self.base_dir.chmod(0o755)  # the mail user must reach the maildir below it
        self.port = free_port()
        self.lmtp_port = free_port()
        self.config_path = self.base_dir / "dovecot.conf"
        self.log_path = self.base_dir / "dovecot.log"
        self.process = None
        self._write_config()

    def _write_config(self):
        if os.geteuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            internal_user, internal_group, login_user = "dovecot", "dovecot", "dovenull"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            internal_user = login_user = mail_user.pw_name
            internal_group = grp.getgrgid(os.getegid()).gr_name
        mail_dir = self.base_dir / "mail"
        mail_dir.mkdir()
        os.chown(mail_dir, mail_user.pw_uid, mail_user.pw_gid)
        users = self.base_dir / "users"
        users.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{mail_user.pw_uid}:{mail_user.pw_gid}"
            f"::{mail_dir / 'replies'}::\n"
        )
        mechanisms, oauth2 = "plain login", ""
        if self.introspection_url:
            mechanisms += " xoauth2"
            (self.base_dir / "oauth2.conf.ext").write_text(
                f"introspection_mode = post\n"
                f"introspection_url = {self.introspection_url}\n"
                "force_introspection = yes\n"
                "username_attribute = username\n"
                "active_attribute = active\n"
                "active_value = true\n"
            )
            # No wait before saying a token is refused (2 s by default); Dovecot's
            # growing wait before the next attempt (its auth penalty) stays, as servers do.
            oauth2 = (
                "auth_failure_delay = 0\n"
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2\n"
                f"  args = {self.base_dir / 'oauth2.conf.ext'}\n}}\n"
            )
        self.config_path.write_text(f"""\
# The tests' private Dovecot (tests/mail_servers.py): loopback only, plain login, no TLS.
base_dir = {self.base_dir / "run"}
state_dir = {self.base_dir / "state"}
instance_name = consult-test-{self.port}
log_path = {self.log_path}
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
hostname = imap.council.example
postmaster_address = postmaster@council.example
mail_location = maildir:~/Maildir
mail_fsync = never
{oauth2}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {users}
}}
userdb {{
  driver = passwd-file
  args = {users}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
""")

    @property
    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Start Dovecot in the foreground and wait until IMAP greets."""
        output = open(self.base_dir / "dovecot.out", "ab")  # noqa: SIM115 (the process's)
        self.process = subprocess.Popen(
            [_binary("dovecot"), "-F", "-c", str(self.config_path)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        deadline = time.monotonic() + 20
        while not _answers(self.port, b"* OK"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Dovecot did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def stop(self):
        """Stop Dovecot and every process it started, keeping the mail."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        _wait_for_group_to_end(self.process.pid)
        self.process = None

    def kill(self):
        """SIGKILL Dovecot and all its processes at once, as a crash would: open
        sessions end mid-command. The mail is kept; :meth:`start` brings it back."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        _wait_for_group_to_end(self.process.pid)
        self.process = None

    def close(self):
        """Stop, and remove the temporary folder with the mail."""
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def log(self):
        return _tail(self.base_dir / "dovecot.out") + "\n" + _tail(self.log_path)

    @contextmanager
    def client(self, folder=None, readonly=True):
        """An IMAPClient logged in to the mailbox, with ``folder`` selected if given."""
        with IMAPClient(self.host, self.port, ssl=False, timeout=10) as client:
            client.login(self.user, self.password)
            if folder:
                client.select_folder(folder, readonly=readonly)
            yield client

    def append(self, raw_bytes, folder="INBOX", flags=()):
        """Put a message into ``folder`` (made if missing); its UID."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            response = client.append(folder, raw_bytes, flags=flags)
        return int(re.search(rb"APPENDUID \d+ (\d+)", response).group(1))

    def uids(self, folder="INBOX"):
        """The UIDs of the messages in ``folder``, oldest first."""
        with self.client(folder) as client:
            return sorted(client.search("ALL"))

    def flags(self, uid, folder="INBOX"):
        """A message's flags as strings, e.g. ``{"\\\\Seen"}``."""
        with self.client(folder) as client:
            flags = client.get_flags([uid]).get(uid, ())
        return {flag.decode() for flag in flags}

    def fetch(self, uid, folder="INBOX"):
        """A message's raw bytes, without marking it read."""
        with self.client(folder) as client:
            return client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]

    def clear(self):
        """A fresh mailbox: every folder but INBOX deleted, INBOX emptied."""
        with self.client() as client:
            names = [name for _, _, name in client.list_folders() if name.upper() != "INBOX"]
            for name in sorted(names, key=len, reverse=True):  # children before parents
                client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search("ALL")
            if uids:
                client.delete_messages(uids)
                client.expunge()

    def wait_for_messages(self, count=1, folder="INBOX", timeout=30):
        """Wait until ``folder`` holds at least ``count`` messages; their UIDs."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                uids = self.uids(folder)
            except (OSError, IMAPClient.Error):  # stopped by a drill, say
                uids = []
            if len(uids) >= count:
                return uids
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{folder} holds {len(uids)} messages after {timeout} s, not {count}"
                )
            time.sleep(0.1)


class Postfix:
    """A Postfix of this process's own (``postfix -c <folder> start``), taking SMTP on
    ``host:port`` and delivering the council's mail, bounces included, into ``dovecot``.
    Postfix runs only as root (its ``postfix`` user drops privileges)."""

    host = "127.0.0.1"

    def __init__(self, dovecot):
        self.dovecot = dovecot
        self.base_dir = Path(tempfile.mkdtemp(prefix="consult-postfix-"))
        self.base_dir.chmod(0o755)  # Postfix checks the folders above its queue
        self.config_dir = self.base_dir / "conf"
        self.queue_dir = self.base_dir / "queue"
        self.log_path = self.base_dir / "maillog"
        self.port = free_port()
        self.partners_port = free_port()  # the partners' server, which knows nobody
        self._write_config()

    def _write_config(self):
        self.config_dir.mkdir()
        self.queue_dir.mkdir()
        transport = self.config_dir / "transport"
        transport.write_text(
            f"council.example lmtp:inet:127.0.0.1:{self.dovecot.lmtp_port}\n"
            "partners.example discard:\n"
            f"{UNKNOWN_PARTNERS_DOMAIN} smtp:[127.0.0.1]:{self.partners_port}\n"
        )
        partners_access = self.config_dir / "partners_access"
        partners_access.write_text(f"{UNKNOWN_PARTNERS_DOMAIN} 550 5.1.1 User unknown\n")
        (self.config_dir / "main.cf").write_text(f"""\
# The tests' private Postfix (tests/mail_servers.py): loopback only, no DNS, fast bounces.
compatibility_level = 3.6
queue_directory = {self.queue_dir}
data_directory = {self.base_dir / "data"}
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {self.base_dir}
maillog_file = {self.log_path}
myhostname = mail.council.example
mydomain = council.example
myorigin = mail.council.example
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_bind_address = 127.0.0.1
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtpd_peername_lookup = no
relay_domains = council.example, partners.example
smtpd_relay_restrictions = reject_unauth_destination
transport_maps = texthash:{transport}
relay_transport = error:5.4.4 the tests' Postfix delivers nowhere else
default_transport = error:5.4.4 the tests' Postfix delivers nowhere else
local_transport = error:5.4.4 the tests' Postfix delivers nowhere else
alias_maps =
alias_database =
local_recipient_maps =
notify_classes =
biff = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
""")
        (self.config_dir / "master.cf").write_text(f"""\
127.0.0.1:{self.port} inet n - n - - smtpd
127.0.0.1:{self.partners_port} inet n - n - - smtpd
  -o myhostname=mx.{UNKNOWN_PARTNERS_DOMAIN}
  -o {{ smtpd_recipient_restrictions = check_recipient_access texthash:{partners_access} }}
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
showq unix n - n - - showq
smtp unix - - n - - smtp
relay unix - - n - - smtp
lmtp unix - - n - - lmtp
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
""")

    def _master_pid(self):
        pid_file = self.queue_dir / "pid" / "master.pid"
        return int(pid_file.read_text().split()[0]) if pid_file.exists() else None

    def start(self):
        """Start Postfix (its master daemonises) and wait until SMTP answers."""
        result = subprocess.run(
            [_binary("postfix"), "-c", str(self.config_dir), "start"],
            capture_output=True,
            text=True,
            check=False,
        )
        deadline = time.monotonic() + 20
        while not _answers(self.port, b"220"):
            if result.returncode or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Postfix did not start:\n{result.stderr}\n{self.log()}")
            time.sleep(0.05)
        return self

    def stop(self):
        """Stop Postfix and every process it started, keeping its queue."""
        master = self._master_pid()
        if master is None or not _group_is_running(master):
            return
        os.kill(master, signal.SIGTERM)  # what `postfix stop` does, without its sleep
        _wait_for_group_to_end(master)  # the master leads a session of its own

    def close(self):
        """Stop, and remove the temporary folder with the queue."""
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def log(self):
        return _tail(self.log_path)

    def wait_for_mail(self, count=1, timeout=30):
        """Wait until the Dovecot's INBOX holds at least ``count`` messages (bounces and
        replies sent through this Postfix); their UIDs. Postfix's log says why if not."""
        try:
            return self.dovecot.wait_for_messages(count, timeout=timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\nPostfix's log:\n{self.log()}") from None


def send(host, port, raw_bytes, from_addr, to_addrs):
    """Hand a message to the SMTP server at host:port, as a mail client would; the
    recipients it refused, as smtplib's ``sendmail`` answers."""
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        return smtp.sendmail(from_addr, to_addrs, raw_bytes)


@pytest.fixture(scope="session")
def dovecot():
    """This process's Dovecot, running; stopped and removed at the end of the session."""
    require(_binary("dovecot") is not None, "Dovecot (Debian's dovecot-imapd)")
    server = Dovecot()
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture
def mailbox(dovecot):
    """The Dovecot with a fresh mailbox, started again if a drill left it stopped."""
    if not dovecot.is_running:
        dovecot.start()
    dovecot.clear()
    return dovecot


@pytest.fixture(scope="session")
def postfix(dovecot):
    """This process's Postfix, delivering into ``dovecot``; stopped and removed at the end."""
    require(
        _binary("postfix") is not None and os.geteuid() == 0,
        "Postfix (Debian's postfix, which runs only as root)",
    )
    server = Postfix(dovecot)
    try:
        yield server.start()
    finally:
        server.close()
