"""The booking page and the manage page in a real browser (Debian's chromium, driven by
Playwright), against the function served over HTTP by `cargo lambda watch`.

    python page_test.py BASE_URL AXE_JS OUT_DIR [NAME_PART]

(NAME_PART runs only the cases whose name contains it; the full booking runs first anyway, as
the manage case uses its booking.)

Run by tests/e2e/browser.rs; each check below is one case, and the script ends with the line
"N passed, M failed". Hosts and their event types are made through the API (AUTH_MODE=dev, the
host named by `x-user-id`); every case has its own host, so the cases do not share free time.
"""

import json
import sys
import time
import traceback
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

BASE, AXE_JS, OUT = sys.argv[1].rstrip("/"), sys.argv[2], Path(sys.argv[3])
ONLY = sys.argv[4] if len(sys.argv) > 4 else ""
OUT.mkdir(parents=True, exist_ok=True)
CHROMIUM = "/usr/bin/chromium"
RUN = str(int(time.time()))[-6:]
HOSTILE = "<img src=x onerror=alert(1)>"
# The sentences book.js shows for each 409 `reason` of the contract.
REASON_WORDS = {
    "unavailable": "just taken",
    "too_soon": "too soon",
    "beyond_horizon": "too far ahead",
    "day_full": "fully booked",
    "off_grid": "do not start at that time",
    "invitee_limit": "most upcoming bookings",
    "cancelled": "was cancelled",
}


# ---- The API, as a host sets things up ---------------------------------------------------------
def request(method, path, body=None, user=None, prefix=""):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + prefix + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if user:
        req.add_header("x-user-id", user)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def api(method, path, body=None, user=None, prefix=""):
    status, _, raw = request(method, path, body, user, prefix)
    return status, (json.loads(raw) if raw else None)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def host(name, free_from, free_to, prefix="", **event):
    """A host `name-RUN` free over [free_from, free_to) with event type `call` (through `prefix`:
    cargo lambda watch runs the function at /lambda-url/{name}/ as another process, with its
    own memory)."""
    user = f"{name}-{RUN}"
    body = {"title": "Intro call", "duration": "PT30M", "timezone": "UTC", "horizon": "P120D"}
    body.update(event)
    status, answer = api("PUT", "/event-types/call", body, user, prefix)
    assert status == 200, answer
    # One interval at most 31 days long per entry: split the span.
    slots, start = [], free_from
    while start < free_to:
        end = min(start + timedelta(days=30), free_to)
        slots.append({"start_time": iso(start), "end_time": iso(end)})
        start = end
    status, answer = api("POST", "/availability", {"availability": slots}, user, prefix)
    assert status == 200, answer
    return user


def now_utc():
    return datetime.now(timezone.utc)


def today_midnight():
    return now_utc().replace(hour=0, minute=0, second=0, microsecond=0)


# ---- The browser ---------------------------------------------------------------------------------
class Browser:
    def __init__(self, playwright):
        self.browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )

    def page(self, zone="UTC", width=1280, height=900, bypass_csp=False):
        context = self.browser.new_context(
            timezone_id=zone,
            locale="en-GB",
            viewport={"width": width, "height": height},
            bypass_csp=bypass_csp,
        )
        page = context.new_page()
        # Generous: CI runs this beside the other tests on two cores.
        page.set_default_timeout(60_000)
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        # Counts CSP violations from the first moment of every document.
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective));"
        )
        return page


def wait_until(page, expression, timeout=60):
    """Polls `expression` in the page until it is true: Playwright's wait_for_function compiles
    its predicate with eval, which the page's policy (rightly) refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        page.wait_for_timeout(50)


def settled(page):
    wait_until(page, "document.querySelector('#status').textContent.includes('this week')")


def open_booking(page, user, prefix=""):
    response = page.goto(f"{BASE}{prefix}/book/{user}/call")
    page.wait_for_selector("#days .day")
    settled(page)
    return response


def first_slot(page):
    """The first time listed that starts at least 10 minutes from now: one about to start
    could turn `too_soon` while the test fills the form."""
    soon = iso(now_utc() + timedelta(minutes=10))
    starts = page.eval_on_selector_all("#days button.slot", "bs => bs.map(b => b.dataset.start)")
    later = [start for start in starts if start >= soon]
    assert later, "a time at least 10 minutes ahead is listed"
    return page.locator(f"#days button.slot[data-start='{later[0]}']")


def fill_form(page, name="Ina Vitee", email="ina@example.com", note=""):
    page.fill("#name", name)
    page.fill("#email", email)
    if note:
        page.fill("#note", note)


def wait_done_or_alert(page):
    wait_until(page, 
        "!document.querySelector('#done').hidden"
        " || document.querySelector('#alert').textContent.length > 0"
    )


def violations(page):
    return page.evaluate("window.__csp")


def shown_slots(page):
    """Every slot button: (its day's date, its start as the API gave it, its text)."""
    return page.evaluate(
        """[...document.querySelectorAll('#days .day')].flatMap(day =>
            [...day.querySelectorAll('button.slot')].map(b =>
                [day.dataset.date, b.dataset.start, b.textContent]))"""
    )


# ---- The cases -----------------------------------------------------------------------------------
CASES = []


def case(function):
    CASES.append(function)
    return function


@case
def a_full_booking_shows_both_zones_and_the_links(browser):
    user = host("full", today_midnight(), today_midnight() + timedelta(days=10),
                title="Intro call", location="Video link by email",
                description="Thirty minutes to get to know each other.", timezone="Europe/Paris")
    page = browser.page(zone="Asia/Kolkata")
    response = open_booking(page, user)
    headers = response.headers
    assert headers["content-type"].startswith("text/html"), headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert page.text_content("h1") == "Intro call"
    assert page.text_content("#location") == "Video link by email"
    assert page.text_content("#duration") == "30 minutes"
    assert page.text_content("#host-zone") == "Europe/Paris"
    assert page.input_value("#zone") == "Asia/Kolkata", "the browser's zone by default"
    page.screenshot(path=str(OUT / "page-desktop.png"))
    slot = first_slot(page)
    start = instant(slot.get_attribute("data-start"))
    slot.click()
    fill_form(page, note="Looking forward to it")
    page.click("#confirm")
    wait_done_or_alert(page)
    assert page.is_visible("#done"), page.text_content("#alert")
    end = start + timedelta(minutes=30)
    kolkata, paris = start.astimezone(ZoneInfo("Asia/Kolkata")), start.astimezone(ZoneInfo("Europe/Paris"))
    yours, hosts = page.text_content("#done-yours"), page.text_content("#done-host")
    assert kolkata.strftime("%H:%M") in yours and "Asia/Kolkata" in yours, yours
    assert paris.strftime("%H:%M") in hosts and "Europe/Paris" in hosts, hosts
    assert end.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M") in yours
    calendar = page.get_attribute("#calendar-link", "href")
    manage = page.get_attribute("#manage-link", "href")
    assert calendar.startswith("/manage/") and calendar.endswith("/calendar.ics"), calendar
    assert manage.startswith("/book/manage/"), manage
    token = manage.rsplit("/", 1)[1]
    status, booking = api("GET", f"/manage/{token}")
    assert status == 200 and booking["start_time"] == iso(start), booking
    assert booking["invitee"]["timezone"] == "Asia/Kolkata"
    assert booking["note"] == "Looking forward to it"
    assert violations(page) == [], violations(page)
    page.screenshot(path=str(OUT / "page-booked.png"))
    a_full_booking_shows_both_zones_and_the_links.manage = manage


def check_zone(browser, zone, user, week_start=None, pick=False):
    """The page in `zone` lists exactly the API's slots of its week, each under its local date
    and at its local time as Python's zoneinfo computes them."""
    page = browser.page(zone="UTC" if pick else zone)
    open_booking(page, user)
    if pick:
        page.select_option("#zone", zone)
    if week_start:
        page.fill("#week-start", week_start)
        page.dispatch_event("#week-start", "change")
    wait_until(page, 
        f"document.querySelector('#status').textContent.includes({json.dumps(zone)})"
    )
    first_day = page.evaluate("document.querySelector('#days .day').dataset.date")
    shown = shown_slots(page)
    tz = ZoneInfo(zone)
    for day, start, text in shown:
        local = instant(start).astimezone(tz)
        assert local.date().isoformat() == day, (start, day, zone)
        assert local.strftime("%H:%M") == text, (start, text, zone)
    # The week is the 7 local days from its first: the window the API is asked about.
    first_date = date.fromisoformat(first_day)
    week_from = datetime.combine(first_date, datetime.min.time(), tz)
    week_to = datetime.combine(first_date + timedelta(days=7), datetime.min.time(), tz)
    status, listed = api("GET", f"/public/{user}/call/slots?from={iso(max(week_from, now_utc()))}"
                         f"&to={iso(week_to)}")
    assert status == 200, listed
    settled = now_utc() + timedelta(minutes=2)
    expected = {s["start_time"] for s in listed["slots"] if instant(s["start_time"]) > settled}
    got = {start for _, start, _ in shown if instant(start) > settled}
    assert got == expected, (zone, sorted(got ^ expected)[:5])
    assert got, f"no slots shown in {zone}"
    return page, shown


@case
def kolkata_shows_half_hours(browser):
    user = host("kolkata", today_midnight(), today_midnight() + timedelta(days=9), duration="PT1H")
    _, shown = check_zone(browser, "Asia/Kolkata", user)
    assert all(text.endswith(":30") for _, _, text in shown), shown[:3]


@case
def chatham_shows_quarter_to(browser):
    user = host("chatham", today_midnight(), today_midnight() + timedelta(days=9), duration="PT1H")
    _, shown = check_zone(browser, "Pacific/Chatham", user)
    assert all(text.endswith(":45") for _, _, text in shown), shown[:3]


def next_change(zone):
    """The next local date on which `zone`'s offset changes."""
    tz = ZoneInfo(zone)
    day = date.today() + timedelta(days=2)
    for _ in range(400):
        start = datetime.combine(day, datetime.min.time(), tz)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
        if start.utcoffset() != end.utcoffset():
            return day
        day += timedelta(days=1)
    raise AssertionError("no change within 400 days")


@case
def new_york_on_the_day_its_clocks_change(browser):
    change = next_change("America/New_York")
    around = datetime.combine(change - timedelta(days=2), datetime.min.time(), timezone.utc)
    user = host("newyork", around, around + timedelta(days=6), duration="PT1H", horizon="P400D")
    page, shown = check_zone(browser, "America/New_York", user, week_start=change.isoformat(), pick=True)
    on_the_day = [text for day, _, text in shown if day == change.isoformat()]
    tz = ZoneInfo("America/New_York")
    # Aware datetimes of one zone subtract by wall clock: compare them in UTC.
    length = (datetime.combine(change + timedelta(days=1), datetime.min.time(), tz).astimezone(timezone.utc)
              - datetime.combine(change, datetime.min.time(), tz).astimezone(timezone.utc))
    hours = int(length.total_seconds() // 3600)
    assert hours in (23, 25) and len(on_the_day) == hours, (change, on_the_day)
    if hours == 23:
        assert not any(text.startswith("02:") for text in on_the_day), on_the_day
    else:
        assert on_the_day.count("01:00") == 2, on_the_day


@case
def two_invitees_racing_for_one_slot_get_one_booking(browser):
    user = host("race", today_midnight(), today_midnight() + timedelta(days=9))
    pages = [browser.page(), browser.page()]
    for page in pages:
        open_booking(page, user)
    start = first_slot(pages[0]).get_attribute("data-start")
    for number, page in enumerate(pages):
        page.click(f"#days button.slot[data-start='{start}']")
        fill_form(page, name=f"Racer {number}", email=f"racer{number}@example.com")
    for page in pages:
        page.click("#confirm", no_wait_after=True)
    for page in pages:
        wait_done_or_alert(page)
    won = [page for page in pages if page.is_visible("#done")]
    lost = [page for page in pages if not page.is_visible("#done")]
    assert len(won) == 1 and len(lost) == 1, [p.text_content("#alert") for p in pages]
    loser = lost[0]
    assert "just taken" in loser.text_content("#alert"), loser.text_content("#alert")
    settled(loser)
    assert loser.is_visible("#days"), "fresh times are shown"
    fresh = [start for _, start, _ in shown_slots(loser)]
    assert fresh and start not in fresh, "the taken time is gone from the fresh times"


@case
def reschedule_and_cancel_from_the_manage_page(browser):
    manage = getattr(a_full_booking_shows_both_zones_and_the_links, "manage", None)
    assert manage, "the full booking ran first"
    token = manage.rsplit("/", 1)[1]
    _, before = api("GET", f"/manage/{token}")
    page = browser.page(zone="America/New_York")
    response = page.goto(BASE + manage)
    assert response.headers["referrer-policy"] == "no-referrer"
    page.wait_for_selector("#manage-view:not([hidden])")
    assert page.text_content("#m-status") == "Confirmed"
    assert page.input_value("#zone") == "Asia/Kolkata", "the invitee's own zone"
    page.click("#reschedule")
    settled(page)
    other = page.locator(f"#days button.slot:not([data-start='{before['start_time']}'])").nth(1)
    new_start = other.get_attribute("data-start")
    other.click()
    page.click("#move-confirm")
    wait_until(page, "document.querySelector('#status').textContent.includes('moved')")
    _, after = api("GET", f"/manage/{token}")
    assert after["start_time"] == new_start and after["sequence"] == before["sequence"] + 1, after
    local = instant(new_start).astimezone(ZoneInfo("Asia/Kolkata")).strftime("%H:%M")
    assert local in page.text_content("#m-when")
    page.fill("#reason", "Something came up")
    page.click("#cancel")
    wait_until(page, "document.querySelector('#status').textContent.includes('cancelled')")
    assert page.text_content("#m-status") == "Cancelled"
    assert page.is_hidden("#cancel-form") and page.is_hidden("#m-actions")
    _, cancelled = api("GET", f"/manage/{token}")
    assert cancelled["status"] == "cancelled", cancelled
    assert violations(page) == []


@case
def keyboard_only_booking_under_a_stage_prefix(browser):
    # cargo lambda watch also serves the function under /lambda-url/{name}/, as a stage would.
    stage = "/lambda-url/availability-api"
    user = host("keys", today_midnight(), today_midnight() + timedelta(days=9), prefix=stage)
    page = browser.page(width=360, height=740)
    open_booking(page, user, prefix=stage)
    page.screenshot(path=str(OUT / "page-360.png"))
    soon = iso(now_utc() + timedelta(minutes=10))
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement.classList.contains('slot') && document.activeElement.dataset.start")
        if focused and focused >= soon:
            break
    else:
        raise AssertionError("Tab never reached a time at least 10 minutes ahead")
    start = page.evaluate("document.activeElement.dataset.start")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "name", "focus moves to the form"
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("Typed, not clicked")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "confirm"
    page.keyboard.press("Enter")
    wait_done_or_alert(page)
    assert page.is_visible("#done"), page.text_content("#alert")
    assert page.evaluate("document.activeElement.id") == "done-heading"
    manage = page.get_attribute("#manage-link", "href")
    assert manage.startswith("/lambda-url/availability-api/book/manage/"), manage
    _, booking = api("GET", "/manage/" + manage.rsplit("/", 1)[1], prefix=stage)
    assert booking["start_time"] == start and booking["invitee"]["name"] == "Kim Keys"
    page.screenshot(path=str(OUT / "page-360-booked.png"))


@case
def a_hostile_title_is_shown_as_text(browser):
    user = host("hostile", today_midnight(), today_midnight() + timedelta(days=9),
                title=HOSTILE, location='"><b id="injected">bold</b>',
                description="<script>alert(2)</script>")
    page = browser.page()
    open_booking(page, user)
    assert page.text_content("h1") == HOSTILE
    assert page.text_content("#location") == '"><b id="injected">bold</b>'
    assert page.text_content("#description") == "<script>alert(2)</script>"
    page.wait_for_timeout(300)
    assert page.evaluate("document.querySelectorAll('img, #injected, main script').length") == 0
    assert page.dialogs == [], page.dialogs
    assert violations(page) == [], violations(page)


@case
def the_policy_blocks_inline_script_and_style(browser):
    user = host("csp", today_midnight(), today_midnight() + timedelta(days=9))
    page = browser.page()
    response = open_booking(page, user)
    policy = response.headers["content-security-policy"]
    for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'",
                      "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"]:
        assert directive in policy, policy
    assert violations(page) == []
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.__inlineRan = true';
            document.head.append(script);
            const styled = document.createElement('p');
            styled.setAttribute('style', 'color: red');
            document.body.append(styled);
        }"""
    )
    wait_until(page, "window.__csp.length >= 2")
    seen = violations(page)
    assert page.evaluate("window.__inlineRan === undefined"), "the inline script did not run"
    assert any(d.startswith("script-src") for d in seen), seen
    assert any(d.startswith("style-src") for d in seen), seen


@case
def each_refusal_and_429_has_its_own_sentence(browser):
    user = host("refusals", today_midnight(), today_midnight() + timedelta(days=9))
    page = browser.page()
    open_booking(page, user)
    answers = [(409, reason, {}) for reason in REASON_WORDS if reason != "cancelled"]
    answers.append((429, None, {"retry-after": "42"}))
    for status, reason, headers in answers:
        body = {"status": status, "error": "x"}
        if reason:
            body["reason"] = reason
        page.route("**/bookings", lambda route, _request, b=body, s=status, h=headers: route.fulfill(
            status=s, headers={**h, "content-type": "application/problem+json"},
            body=json.dumps(b)))
        if page.is_visible("#booking-view"):
            first_slot(page).click()
        fill_form(page)
        page.click("#confirm")
        wait_until(page, "document.querySelector('#alert').textContent.length > 0")
        text = page.text_content("#alert")
        expected = REASON_WORDS[reason] if reason else "try again in 42 seconds"
        assert expected in text, (status, reason, text)
        page.unroute("**/bookings")
        page.evaluate("document.querySelector('#alert').textContent = ''")
        if page.is_visible("#booking-view"):
            settled(page)


@case
def unknown_links_say_so(browser):
    page = browser.page()
    response = page.goto(f"{BASE}/book/nobody-{RUN}/no-such-call")
    assert response.status == 200
    wait_until(page, "document.querySelector('#alert').textContent.length > 0")
    assert "does not lead" in page.text_content("#alert")
    response = page.goto(f"{BASE}/book/manage/not-a-token")
    wait_until(page, "document.querySelector('#alert').textContent.length > 0")
    assert "does not lead to a booking" in page.text_content("#alert")


@case
def axe_finds_nothing_serious(browser):
    user = host("axe", today_midnight(), today_midnight() + timedelta(days=9),
                location="Room 4", description="A description.")
    found = []

    def audit(page, where):
        page.add_script_tag(path=AXE_JS)
        result = page.evaluate("axe.run(document).then(r => r.violations.map(v => "
                               "({id: v.id, impact: v.impact, nodes: v.nodes.length})))")
        found.extend((where, v) for v in result if v["impact"] in ("serious", "critical"))

    for width in (1280, 360):
        # axe is injected as an inline script, which the page's own policy would block.
        page = browser.page(width=width, bypass_csp=True)
        open_booking(page, user)
        audit(page, f"slots at {width} px")
        first_slot(page).click()
        audit(page, f"form at {width} px")
    fill_form(page)
    page.click("#confirm")
    wait_done_or_alert(page)
    audit(page, "confirmation")
    page.goto(BASE + page.get_attribute("#manage-link", "href"))
    page.wait_for_selector("#manage-view:not([hidden])")
    page.click("#reschedule")
    settled(page)
    audit(page, "manage page")
    assert found == [], found


def main():
    passed, failed = 0, 0
    with sync_playwright() as playwright:
        browser = Browser(playwright)
        for function in CASES:
            if ONLY and ONLY not in function.__name__ and function is not CASES[0]:
                continue
            began = time.monotonic()
            try:
                function(browser)
                passed += 1
                print(f"PASS {function.__name__} ({time.monotonic() - began:.1f} s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {function.__name__}", flush=True)
                traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
