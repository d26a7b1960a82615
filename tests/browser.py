"""Helpers for the tests that drive headless Chromium (the `browser` fixture is in
tests/conftest.py, shared by the whole session)."""

from pathlib import Path

# Screenshots the browser tests leave for a person to look at.
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"


def page_for(browser, width, server_url, **context_options):
    """A fresh page that records foreign requests, CSP violations and console errors
    (`context_options` for Playwright's new_context, e.g. timezone_id)."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", **context_options
    )
    page = context.new_page()
    page.foreign_requests = []
    page.on(
        "request",
        lambda r: (
            not r.url.startswith((server_url, "data:")) and page.foreign_requests.append(r.url)
        ),
    )
    # Content-Security-Policy violations, as the page itself sees them (the console
    # message alone does not say which directive refused what).
    page.csp_violations = []
    page.expose_function("reportCspViolation", lambda v: page.csp_violations.append(v))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.reportCspViolation(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    # Name the failing URL, which the console message above does not.
    page.on(
        "response",
        lambda r: r.status >= 400 and page.console_errors.append(f"{r.status} {r.url}"),
    )
    return page


def admin_login(page, base_url, username, password):
    """Log in through the real admin login form, as an editor does every morning."""
    page.goto(base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # Wait for the page the login leads to, so the next goto does not cancel it mid-flight.
    with page.expect_navigation():
        page.click("input[type=submit]")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
