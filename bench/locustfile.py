"""Load for the partner pages and for the baseline page, driven by bench/partner.py.

Each simulated partner has a link of their own (BENCH_TOKENS, comma-separated): they open
the link page, and in turn go to their response page, answer, save, check and send, as a
busy headteacher would: as fast as the server answers (Partner), or a step a second
(PacedPartner). Baseline and GovukPage ask for one page, as fast as it answers. The pages'
names are the ones bench/partner_pages.py measures in one process.
"""

import itertools
import os
import re

from locust import HttpUser, between, task

TOKENS = [token for token in os.environ.get("BENCH_TOKENS", "").split(",") if token]
_next_token = itertools.count()
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'name="revision" type="hidden" value="(\d+)"')
VERSION = re.compile(r'name="version_seen" type="hidden" value="(\d+)"')
ANSWER = {
    "stance": "supports",
    "comments": "We support the preferred option.",
    "responder_name": "A Head",
    "responder_role": "Headteacher",
    "answers_for_organisation": "y",
    "publication": "publish",
    "submit": "Continue",
}


def _field(pattern, html, default=""):
    found = pattern.search(html)
    return found.group(1) if found else default


class Partner(HttpUser):
    wait_time = between(0, 0.01)

    def on_start(self):
        self.token = TOKENS[next(_next_token) % len(TOKENS)]
        landing = self.client.get(f"/r/{self.token}", name="link page").text
        self.client.post(
            f"/r/{self.token}",
            name="open the link",
            allow_redirects=False,
            data={"csrf_token": _field(CSRF, landing)},
        )

    @task(3)
    def link_page(self):
        self.client.get(f"/r/{self.token}", name="link page")

    @task(1)
    def answer_and_send(self):
        self.client.get("/respond", name="respond")
        answer = self.client.get("/respond/answer", name="answer form").text
        self.client.post(
            "/respond/answer",
            name="save",
            allow_redirects=False,
            data={
                "csrf_token": _field(CSRF, answer),
                "revision": _field(REVISION, answer, "0"),
                **ANSWER,
            },
        )
        check = self.client.get("/respond/check", name="check").text
        self.client.post(
            "/respond/check",
            name="send",
            allow_redirects=False,
            data={
                "csrf_token": _field(CSRF, check),
                "revision": _field(REVISION, check, "0"),
                "version_seen": _field(VERSION, check, "0"),
            },
        )


class PacedPartner(Partner):
    """The same partners at a person's pace: each waits about a second (at random, so
    that they do not all click at once) between steps, so the server is busy but not
    saturated, and the latency is what a partner would feel."""

    wait_time = between(0.5, 1.5)


class Baseline(HttpUser):
    wait_time = between(0, 0.01)

    @task
    def one_query(self):
        self.client.get("/", name="baseline page")


class GovukPage(HttpUser):
    """The least a page of ours can be: bench/partner_app.py's GOV.UK page, one query."""

    wait_time = between(0, 0.01)

    @task
    def govuk_page(self):
        self.client.get("/bench/govuk-page", name="GOV.UK page")
