"""Reads the studio's timeline in headless Chromium as the owner, at 1280
and at 360 px, answering by keyboard alone: a reply typed and sent at the
wide size, a like at the narrow one. Reports what it saw as JSON on stdout.

    python3 timeline_flow.py BASE_URL PASSPHRASE SCREENSHOT_FOLDER
"""
import json
import os
import sys

from browser_kit import AUDIT, browser, console_errors, sign_in, wait
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

BASE, PASSPHRASE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
report = {"errors": []}


def focused(driver):
    """What has the keyboard focus: its tag, name or value, and label."""
    return driver.execute_script(
        "const e = document.activeElement;"
        "return [e.tagName, e.getAttribute('name') || '', e.getAttribute('value') || '', e.getAttribute('aria-label') || e.id || ''];")


def tab_to(driver, matches, limit=120):
    """Presses Tab until the focused control matches; False if it never does."""
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if matches(focused(driver)):
            return True
    report["errors"].append(f"Tab never reached the control on {driver.current_url}")
    return False


def pictures(driver):
    """How many of the timeline's pictures loaded (through the site), of how many."""
    return driver.execute_script(
        "const all = [...document.querySelectorAll('ol.timeline img')];"
        "return [all.filter(i => i.complete && i.naturalWidth > 0).length, all.length];")


def look(driver, width):
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "ol.timeline li.item"), report["errors"], what="the timeline")
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight); window.scrollTo(0, 0);")
    wait(driver, lambda d: pictures(d)[0] == pictures(d)[1], report["errors"], seconds=30, what="the pictures")
    audit = driver.execute_script(AUDIT)
    audit["consoleErrors"] = console_errors(driver)
    audit["items"] = len(driver.find_elements(By.CSS_SELECTOR, "ol.timeline li.item"))
    audit["pictures"] = pictures(driver)
    audit["current"] = driver.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text
    driver.save_screenshot(os.path.join(SHOTS, f"studio-timeline-{width}.png"))
    return audit


def main():
    driver = browser(1280)
    try:
        driver.get(BASE + "/studio/timeline")
        sign_in(driver, PASSPHRASE, report["errors"])
        if "/studio/timeline" not in driver.current_url:
            driver.get(BASE + "/studio/timeline")
        report["wide"] = look(driver, 1280)

        # A reply by keyboard: Tab to the first item's reply box, type, Tab to Reply, Enter.
        if tab_to(driver, lambda f: f[0] == "TEXTAREA"):
            ActionChains(driver).send_keys("Typed with the keyboard").perform()
            if tab_to(driver, lambda f: f[0] == "BUTTON" and f[2] == "reply", limit=3):
                ActionChains(driver).send_keys(Keys.ENTER).perform()
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), report["errors"], what="the reply's notice")
        notices = driver.find_elements(By.CSS_SELECTOR, ".notice")
        report["replied"] = notices[0].text if notices else ""

        narrow = browser(360)
        try:
            narrow.get(BASE + "/studio")
            for cookie in driver.get_cookies():
                narrow.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
            narrow.get(BASE + "/studio/timeline")
            report["narrow"] = look(narrow, 360)
            # A like by keyboard alone.
            if tab_to(narrow, lambda f: f[0] == "BUTTON" and f[2] == "like"):
                report["likeLabel"] = focused(narrow)[3]
                ActionChains(narrow).send_keys(Keys.ENTER).perform()
            wait(narrow, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), report["errors"], what="the like's notice")
            notices = narrow.find_elements(By.CSS_SELECTOR, ".notice")
            report["liked"] = notices[0].text if notices else ""
            narrow.save_screenshot(os.path.join(SHOTS, "studio-timeline-360-liked.png"))
        finally:
            narrow.quit()
    finally:
        driver.quit()


main()
print(json.dumps(report))
