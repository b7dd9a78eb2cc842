"""Opens pages in headless Chromium (Selenium + chromedriver), as they are
served, with their own Content-Security-Policy, and reports what a reader
clicking around could run, as JSON on stdout: every link or media source
whose scheme is not http or https, and whether any click opened a dialog.

    python3 hostile_links.py NAME=URL [NAME=URL ...]
"""
import json
import sys

from browser_kit import browser
from selenium.common.exceptions import NoAlertPresentException

FIND = r"""
const risky = [];
for (const e of document.querySelectorAll("a[href], area[href], img[src], audio[src], video[src], source[src], iframe[src]")) {
  const attribute = e.hasAttribute("href") ? "href" : "src";
  const url = e[attribute] || "";
  let protocol = "";
  try { protocol = new URL(url, document.baseURI).protocol; } catch (error) { protocol = "unparsable:"; }
  if (protocol !== "http:" && protocol !== "https:") risky.push({ tag: e.tagName.toLowerCase(), url: e.getAttribute(attribute) });
}
const meta = document.querySelector("meta[http-equiv='Content-Security-Policy']");
return { risky, csp: meta ? meta.content : "" };
"""


def dialog_open(driver):
    try:
        driver.switch_to.alert.accept()
        return True
    except NoAlertPresentException:
        return False


def main():
    driver = browser(1280)
    report = {}
    for pair in sys.argv[1:]:
        name, url = pair.split("=", 1)
        driver.get(url)
        found = driver.execute_script(FIND)
        alerts = 0
        # Every link on the page that is not an ordinary web link is clicked, as a curious reader would.
        for index in range(len(driver.find_elements("css selector", "a[href]"))):
            link = driver.find_elements("css selector", "a[href]")[index]
            if driver.execute_script("return arguments[0].protocol", link) in ("http:", "https:"):
                continue
            driver.execute_script("arguments[0].click()", link)
            if dialog_open(driver):
                alerts += 1
            driver.get(url)
        found["alerts"] = alerts + (1 if dialog_open(driver) else 0)
        found["text"] = driver.find_element("tag name", "body").text
        report[name] = found
    driver.quit()
    print(json.dumps(report))


main()
