"""Connects a Mastodon account through the studio's OAuth flow in headless
Chromium (the fake server's own authorisation page, as the owner would see
it), then posts a note from the composer with the account's box ticked, and
reports what it saw as JSON on stdout.

    python3 syndication_flow.py BASE_URL PASSPHRASE MASTODON_URL SCREENSHOT_FOLDER
"""
import json
import os
import sys
import time

from browser_kit import AUDIT, browser, console_errors, sign_in, wait
from selenium.webdriver.common.by import By

BASE, PASSPHRASE, MASTODON, SHOTS = sys.argv[1:5]
os.makedirs(SHOTS, exist_ok=True)
report = {"errors": []}


def main():
    driver = browser(1280)
    try:
        driver.get(BASE + "/studio/syndication")
        sign_in(driver, PASSPHRASE, report["errors"])
        if "/studio/syndication" not in driver.current_url:
            driver.get(BASE + "/studio/syndication")
        wait(driver, lambda d: d.find_elements(By.ID, "instance"), report["errors"], what="the Mastodon form")
        driver.find_element(By.ID, "instance").send_keys(MASTODON)
        driver.find_element(By.CSS_SELECTOR, "#connect-mastodon button[type=submit]").click()

        # The server's own page: the owner allows Microcast in.
        if not wait(driver, lambda d: d.find_elements(By.ID, "authorize"), report["errors"], what="the server's authorisation page"):
            report["errors"].append(driver.find_element(By.TAG_NAME, "body").text[:600])
            return
        report["authorizeURL"] = driver.current_url
        report["asked"] = driver.find_element(By.TAG_NAME, "p").text
        driver.find_element(By.ID, "authorize").click()
        if not wait(driver, lambda d: "connected=" in d.current_url, report["errors"], what="the studio after connecting"):
            report["errors"].append(driver.find_element(By.TAG_NAME, "body").text[:600])
            return
        report["notice"] = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".notice"))
        report["accounts"] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "li.account > a")]
        time.sleep(0.3)
        audit = driver.execute_script(AUDIT)
        audit["consoleErrors"] = console_errors(driver)
        report["page"] = audit
        driver.save_screenshot(os.path.join(SHOTS, "studio-syndication-1280.png"))

        # The composer: the account's box, ticked for notes by default; the post goes there too.
        driver.get(BASE + "/studio/new")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "input[name=mp-syndicate-to]"), report["errors"], what="the account's box")
        box = driver.find_element(By.CSS_SELECTOR, "input[name=mp-syndicate-to]")
        report["ticked"] = box.is_selected()
        report["boxLabel"] = box.find_element(By.XPATH, "..").text
        driver.find_element(By.ID, "content").send_keys("Hello from the composer, copied to Mastodon")
        driver.find_element(By.ID, "post-button").click()
        link = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#status a"), report["errors"], what="the posted link")
        report["posted"] = link[0].get_attribute("href") if link else None
        report["composerErrors"] = console_errors(driver)
    finally:
        driver.quit()


main()
print(json.dumps(report))
