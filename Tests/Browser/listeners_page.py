"""Opens the studio's Listeners page in headless Chromium as the owner and
reports what it shows, as JSON on stdout.

    python3 listeners_page.py BASE_URL PASSPHRASE SCREENSHOT_FOLDER
"""
import json
import os
import sys
import time

from browser_kit import AUDIT, browser, console_errors, sign_in, wait
from selenium.webdriver.common.by import By

BASE, PASSPHRASE, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(SHOTS, exist_ok=True)
report = {"errors": []}


def table(driver, css):
    """A table's body rows as lists of cell texts (header cell first)."""
    rows = []
    for row in driver.find_elements(By.CSS_SELECTOR, f"{css} tbody tr"):
        rows.append([cell.text.strip() for cell in row.find_elements(By.CSS_SELECTOR, "th, td")])
    return rows


def main():
    driver = browser(1280)
    try:
        driver.get(BASE + "/studio/listeners")
        sign_in(driver, PASSPHRASE, report["errors"])
        if "/studio/listeners" not in driver.current_url:
            driver.get(BASE + "/studio/listeners")
        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "figure.listeners-chart svg"), report["errors"], what="the chart")
        report["episodes"] = table(driver, "table.listeners-episodes")
        report["apps"] = table(driver, "table.listeners-apps")
        report["days"] = table(driver, "table.listeners-days")
        chart = driver.find_element(By.CSS_SELECTOR, "figure.listeners-chart svg")
        report["chart"] = {
            "role": chart.get_attribute("role"),
            "title": driver.find_element(By.CSS_SELECTOR, "figure.listeners-chart svg title").get_attribute("textContent"),
            "bars": len(driver.find_elements(By.CSS_SELECTOR, "figure.listeners-chart svg rect")),
            "width": chart.size["width"],
        }
        report["current"] = driver.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").text
        time.sleep(0.3)
        audit = driver.execute_script(AUDIT)
        audit["consoleErrors"] = console_errors(driver)
        driver.save_screenshot(os.path.join(SHOTS, "studio-listeners-1280.png"))
        narrow = browser(360)
        narrow.get(BASE + "/studio")
        for cookie in driver.get_cookies():
            narrow.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
        narrow.get(BASE + "/studio/listeners")
        time.sleep(0.3)
        audit["overflowAt360"] = narrow.execute_script(AUDIT)["overflow"]
        narrow.save_screenshot(os.path.join(SHOTS, "studio-listeners-360.png"))
        narrow.quit()
        report["page"] = audit
    finally:
        driver.quit()


main()
print(json.dumps(report))
