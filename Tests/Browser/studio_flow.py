"""Drives the owner's studio in headless Chromium (Selenium + chromedriver) as
a person would, and reports what they would see, as JSON on stdout.

    python3 studio_flow.py BASE_URL PASSPHRASE FILES_JSON SCREENSHOT_FOLDER

FILES_JSON names the files to post: {"episode", "photos": [3], "video", "silent", "artwork"}.
"""
import json
import os
import re
import sys
import time
import urllib.request

import browser_kit
from browser_kit import AUDIT, browser, console_errors
from selenium.webdriver.common.by import By

BASE, PASSPHRASE, FILES, SHOTS = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
os.makedirs(SHOTS, exist_ok=True)
report = {"errors": []}



def wait(driver, condition, seconds=60, what="a condition"):
    return browser_kit.wait(driver, condition, report["errors"], seconds, what)


def sign_in(driver):
    browser_kit.sign_in(driver, PASSPHRASE, report["errors"])


def compose(driver, kind, name="", text="", files=(), alts=(), extra=None, when=None):
    """Fills the composer and posts; returns the post's URL (or None) and the file entries' final states."""
    driver.get(BASE + "/studio/new")
    wait(driver, lambda d: d.find_elements(By.ID, "composer"), what="the composer")
    driver.find_element(By.CSS_SELECTOR, f"input[name=kind][value={kind}]").click()
    if files:
        field = {"photo": "photo-files", "audio": "audio-file", "video": "video-file"}[kind]
        driver.find_element(By.ID, field).send_keys("\n".join(files))
        for index, alt in enumerate(alts):
            driver.find_element(By.ID, f"alt-{index}").send_keys(alt)
    if name:
        driver.find_element(By.ID, "name").send_keys(name)
    if text:
        driver.find_element(By.ID, "content").send_keys(text)
    if extra:
        extra(driver)
    if when:
        driver.find_element(By.CSS_SELECTOR, "input[name=post-status][value=scheduled]").click()
        driver.execute_script(
            "const d = new Date(Date.now() + arguments[1]); d.setSeconds(d.getSeconds());"
            "const p = n => String(n).padStart(2, '0');"
            "arguments[0].value = d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());",
            driver.find_element(By.ID, "published"), when)
    driver.find_element(By.ID, "post-button").click()
    link = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#status a"), seconds=120, what=f"the {kind} post to be sent")
    status = driver.find_element(By.ID, "status").text
    url = link[0].get_attribute("href") if link else None
    return url, status


def file_states(driver, kind):
    return [item.get_attribute("data-state") for item in driver.find_elements(By.CSS_SELECTOR, f"#{kind}-list li")]


def main():
    driver = browser(1280)
    driver.get(BASE + "/studio")
    sign_in(driver)

    # An episode from a WAV, with show notes in Markdown; its state turns done without a reload.
    url, status = compose(driver, "audio", name="Episode one", text="Hello **listeners**, see [the site](https://example.com).",
                          files=[FILES["episode"]], extra=lambda d: d.find_element(By.ID, "episode").send_keys("1"))
    report["episode"] = {"url": url, "status": status}
    report["episode"]["progressAtEnd"] = driver.execute_script("return document.querySelector('#audio-list progress').value")
    page_id = driver.execute_script("return performance.timeOrigin")
    wait(driver, lambda d: file_states(d, "audio") == ["done"], seconds=120, what="the episode to be processed")
    report["episode"]["states"] = file_states(driver, "audio")
    report["episode"]["reloaded"] = driver.execute_script("return performance.timeOrigin") != page_id

    # Three photos, described, the third moved up one place: order 1, 3, 2.
    def reorder(d):
        d.find_element(By.CSS_SELECTOR, "#photo-list button[aria-label^='Move " + os.path.basename(FILES["photos"][2]) + " up']").click()
    url, status = compose(driver, "photo", text="Three views", files=FILES["photos"], alts=["First view", "Second view", "Third view"],
                          extra=reorder)
    report["photos"] = {"url": url, "status": status}
    wait(driver, lambda d: file_states(d, "photo") == ["done"] * 3, seconds=120, what="the photos to be processed")
    report["photos"]["states"] = file_states(driver, "photo")

    # A video gets its poster.
    url, status = compose(driver, "video", name="A short film", files=[FILES["video"]])
    report["video"] = {"url": url, "status": status}
    wait(driver, lambda d: file_states(d, "video") == ["done"], seconds=180, what="the video to be processed")
    report["video"]["states"] = file_states(driver, "video")

    # A recording that cannot be processed shows failed with its reason; Retry queues it again.
    url, status = compose(driver, "audio", name="Silence", files=[FILES["silent"]])
    wait(driver, lambda d: file_states(d, "audio") == ["failed"], seconds=120, what="the silent file to fail")
    report["failed"] = {"states": file_states(driver, "audio"),
                        "reason": driver.find_element(By.CSS_SELECTOR, "#audio-list .detail").text}
    driver.get(BASE + "/studio/media")
    failed = driver.find_element(By.CSS_SELECTOR, "li.media-item[data-state=failed]")
    media_id = failed.get_attribute("data-media")
    report["failed"]["mediaPageReason"] = failed.find_element(By.CSS_SELECTOR, ".reason").text
    failed.find_element(By.CSS_SELECTOR, "button[aria-label^=Retry]").click()
    # The old page's item matches too until the form's answer replaces the page: wait for that first.
    wait(driver, browser_kit.gone(failed), what="the Retry form to be sent")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"li[data-media='{media_id}']"), what="the media page after Retry")
    report["failed"]["afterRetry"] = driver.find_element(By.CSS_SELECTOR, f"li[data-media='{media_id}']").get_attribute("data-state")
    report["failed"]["jobs"] = driver.find_element(By.CSS_SELECTOR, f"li[data-media='{media_id}'] .jobs").text

    # A note to edit, delete and restore.
    url, status = compose(driver, "note", text="Words to change")
    report["note"] = {"url": url}
    driver.get(BASE + "/studio/posts")
    driver.find_element(By.LINK_TEXT, "Words to change").click()
    content = driver.find_element(By.ID, "content")
    content.clear()
    content.send_keys("Edited *words*")
    driver.find_element(By.CSS_SELECTOR, "form.editor button[type=submit]").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), what="the saved notice")
    report["note"]["afterEdit"] = urllib.request.urlopen(url).read().decode()
    driver.find_element(By.XPATH, "//button[text()='Delete this post']").click()
    wait(driver, lambda d: d.find_elements(By.XPATH, "//button[text()='Restore this post']"), what="the restore button")
    try:
        urllib.request.urlopen(url)
        report["note"]["afterDelete"] = 200
    except urllib.error.HTTPError as error:
        report["note"]["afterDelete"] = error.code
    driver.find_element(By.XPATH, "//button[text()='Restore this post']").click()
    wait(driver, lambda d: d.find_elements(By.XPATH, "//button[text()='Delete this post']"), what="the delete button again")
    report["note"]["afterRestore"] = urllib.request.urlopen(url).status

    # The show's title, changed in the studio, is the feed's.
    driver.get(BASE + "/studio/show")
    title = driver.find_element(By.ID, "title")
    title.clear()
    title.send_keys("Browser Radio")
    driver.find_element(By.CSS_SELECTOR, "form.settings button[type=submit]").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), what="the saved show")

    # New artwork, chosen in the show's form, is what podcast apps see.
    podcast = lambda: urllib.request.urlopen(BASE + "/podcast.xml").read().decode()
    image = lambda: re.search(r'<itunes:image href="([^"]+)"', podcast()).group(1)
    report["artwork"] = {"before": image()}
    driver.get(BASE + "/studio/show")
    driver.find_element(By.ID, "artwork").send_keys(FILES["artwork"])
    driver.find_element(By.CSS_SELECTOR, ".artwork button[type=submit]").click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"), what="the saved artwork")
    report["artwork"]["notice"] = driver.find_element(By.CSS_SELECTOR, ".notice").text
    report["artwork"]["after"] = image()
    report["artwork"]["shown"] = driver.find_element(By.CSS_SELECTOR, ".artwork img").get_attribute("src")

    # A post scheduled a few seconds ahead appears in the feed when its time comes.
    url, status = compose(driver, "note", text="Scheduled words", when=8000)
    feed = lambda: urllib.request.urlopen(BASE + "/feed.xml").read().decode()
    report["scheduled"] = {"status": status, "before": "Scheduled words" in feed()}
    deadline = time.time() + 40
    while time.time() < deadline and "Scheduled words" not in feed():
        time.sleep(0.5)
    report["scheduled"]["after"] = "Scheduled words" in feed()

    # Every page at 1280 px and at 360 px: screenshots, labels, contrast, width.
    pages = {"compose": "/studio/new", "posts": "/studio/posts", "media": "/studio/media", "show": "/studio/show", "apps": "/studio/apps",
             "fediverse": "/studio/fediverse",
             "edit": None}
    edit_link = None
    driver.get(BASE + "/studio/posts")
    edit_link = driver.find_element(By.CSS_SELECTOR, "table.list td a").get_attribute("href")
    pages["edit"] = edit_link.replace(BASE, "")
    report["pages"] = {}
    driver.get_log("browser")
    for name, path in pages.items():
        driver.get(BASE + path)
        time.sleep(0.3)
        audit = driver.execute_script(AUDIT)
        audit["consoleErrors"] = console_errors(driver)
        audit["bytes"] = len(driver.page_source.encode())
        driver.save_screenshot(os.path.join(SHOTS, f"studio-{name}-1280.png"))
        report["pages"][name] = audit
    narrow = browser(360)
    narrow.get(BASE + "/studio")
    for cookie in driver.get_cookies():
        narrow.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
    for name, path in pages.items():
        narrow.get(BASE + path)
        time.sleep(0.3)
        report["pages"][name]["overflowAt360"] = narrow.execute_script(AUDIT)["overflow"]
        narrow.save_screenshot(os.path.join(SHOTS, f"studio-{name}-360.png"))
    narrow.quit()

    # An expired session sends the owner to sign in, and the unsent text is still there after.
    driver.get(BASE + "/studio/new")
    driver.find_element(By.ID, "content").send_keys("Words I must not lose")
    driver.delete_cookie("mc_session")
    driver.find_element(By.ID, "preview-button").click()
    wait(driver, lambda d: d.find_elements(By.ID, "passphrase"), what="the sign-in page after the session expired")
    sign_in(driver)
    wait(driver, lambda d: d.find_elements(By.ID, "content"), what="the composer again")
    report["expired"] = {"content": driver.find_element(By.ID, "content").get_attribute("value"), "url": driver.current_url}

    driver.quit()
    print(json.dumps(report))


main()
