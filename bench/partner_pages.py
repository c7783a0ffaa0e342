"""Each partner page's CPU time in one process, one request after another, beside the
floor's (the GOV.UK page of bench/partner_app.py that runs one query).

A steadier figure than requests per second on a shared machine: nothing else's work is
counted. Run by bench/partner.py as ``python -m bench.partner_pages`` with the same
environment as the server it measures, so that the app is the one gunicorn serves.
``--profile PAGE`` prints cProfile's view of that page instead
(``BENCH_PROFILE="answer form" python -m bench partner`` sets up the data and does that).
"""

import cProfile
import os
import pstats
import re
import sys
import time

# The fields bench/locustfile.py reads from each page (not imported from there: locust
# patches the standard library with gevent's on import, which this process must not).
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
REVISION = re.compile(r'name="revision" type="hidden" value="(\d+)"')
VERSION = re.compile(r'name="version_seen" type="hidden" value="(\d+)"')

RUNS = int(os.environ.get("BENCH_CPU_RUNS", 200))
WARM_UP = 20
PAGES = ("link page", "respond", "answer form", "save", "check", "send")
FLOOR = "floor"

ANSWER = {
    "stance": "supports",
    "comments": "We support the preferred option.",
    "responder_name": "A Head",
    "responder_role": "Headteacher",
    "answers_for_organisation": "y",
    "publication": "publish",
    "submit": "Continue",
}


class Partner:
    """One partner's steps through the pages, as bench/locustfile.py's Partner takes them,
    through Flask's test client."""

    def __init__(self, client, token):
        self.client = client
        # The test client speaks HTTPS (the app's preferred scheme), where Flask-WTF
        # wants a same-site Referer on every form, as a browser sends.
        client.environ_base["HTTP_REFERER"] = "https://localhost/"
        self.token = token
        landing = self.get(f"/r/{token}")
        self.post(f"/r/{token}", {"csrf_token": _field(CSRF, landing)}, expect=303)
        self.answer = self.check = ""

    def get(self, path):
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path, data, expect=302):
        response = self.client.post(path, data=data)
        assert response.status_code == expect, (path, response.status_code)

    def step(self, page):
        if page == "link page":
            self.get(f"/r/{self.token}")
        elif page == "respond":
            self.get("/respond")
        elif page == "answer form":
            self.answer = self.get("/respond/answer")
        elif page == "save":
            fields = {
                "csrf_token": _field(CSRF, self.answer),
                "revision": _field(REVISION, self.answer, "0"),
            }
            self.post("/respond/answer", {**ANSWER, **fields})
        elif page == "check":
            self.check = self.get("/respond/check")
        elif page == "send":
            fields = {
                "csrf_token": _field(CSRF, self.check),
                "revision": _field(REVISION, self.check, "0"),
                "version_seen": _field(VERSION, self.check, "0"),
            }
            self.post("/respond/check", fields, expect=303)
        elif page == FLOOR:
            self.get("/bench/govuk-page")


def _field(pattern, html, default=""):
    found = pattern.search(html)
    return found.group(1) if found else default


def measure(partner, runs=RUNS):
    """Milliseconds of this process's CPU per request of each page (the median of runs of
    the whole mix in order, so that save and send always have a fresh form to send)."""
    for _ in range(WARM_UP):
        for page in (*PAGES, FLOOR):
            partner.step(page)
    spent = {page: [] for page in (*PAGES, FLOOR)}
    for _ in range(runs):
        for page in (*PAGES, FLOOR):
            started = time.process_time()
            partner.step(page)
            spent[page].append(time.process_time() - started)
    return {page: 1000 * sorted(times)[len(times) // 2] for page, times in spent.items()}


def profile(partner, page, runs=RUNS):
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting on the database
    for _ in range(WARM_UP):
        for each in (*PAGES, FLOOR):
            partner.step(each)
    for _ in range(runs):
        for each in (*PAGES, FLOOR):
            if each == page:
                profiler.enable()
            partner.step(each)
            if each == page:
                profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    print(f"Own time per request by where the code is, {page} (under cProfile, which slows")
    print("small functions most, so read it as shares):")
    shares = {}
    for (filename, _line, _name), timings in stats.stats.items():
        own = timings[2]
        shares[_where(filename)] = shares.get(_where(filename), 0) + own
    spent = sum(shares.values())
    for where, own in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {where}: {1000 * own / runs:.2f} ms, {own / spent:.0%}")


def _where(filename):
    """Where a function's code is: a library (its templates apart), our templates, our
    code, or Python's own (the standard library and built-in functions)."""
    if "site-packages/" in filename:
        package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        if filename.endswith(".html"):
            return f"{package} templates"
        return package
    if filename.endswith(".html"):
        return "our templates"
    if "/consult/" in filename:
        return "consult"
    if filename == "~" or filename.startswith("<") or "/lib/python3" in filename:
        return "Python's own"
    return filename


def main(arguments):
    from bench.partner_app import app

    token = os.environ["BENCH_TOKENS"].split(",")[0]
    partner = Partner(app.test_client(), token)
    if arguments[:1] == ["--profile"]:
        profile(partner, " ".join(arguments[1:]))
        return
    for page, ms in measure(partner).items():
        print(f"{page}\t{ms:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
