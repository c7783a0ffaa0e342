"""A real SMTP server for the tests (aiosmtpd), whose received messages are read back."""

import asyncio
import itertools
import random
import socket
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.services import xdist_worker_number

# Each process of the run hands out ports from a block of its own below the kernel's
# ephemeral range (32768 up), so that between free_port() and the server's bind, or while
# a drill has its SMTP server down, neither another xdist worker nor an outgoing
# connection can take the port. A random start keeps two runs side by side apart.
PORT_BLOCK = 250
_worker = xdist_worker_number()
_first_port = 20_000 + PORT_BLOCK * (0 if _worker is None else (_worker + 1) % 50)
_start = random.randrange(PORT_BLOCK)
_ports = (_first_port + (_start + n) % PORT_BLOCK for n in itertools.count())


def free_port():
    """A port of this process's block that nothing is listening on."""
    for _ in range(PORT_BLOCK):
        port = next(_ports)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {_first_port} to {_first_port + PORT_BLOCK - 1}")


class Inbox:
    """The aiosmtpd handler: keeps every message; can be told to refuse addresses."""

    def __init__(self):
        self.messages = []
        self.refuse = {}  # address -> SMTP reply, e.g. "550 5.1.1 No such user"
        self.delay = 0.0  # seconds to take over each message, to make a batch slow

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            (envelope.rcpt_tos[:], message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


class SMTPServer:
    """Start, stop and start again on the same port (to drill a mail server outage)."""

    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


def message_ids(inbox):
    return [message["Message-ID"] for _recipients, message in inbox.messages]
