"""What a deaf viewer and a searcher meet in headless Chromium, as JSON on stdout.

    python3 transcript_moments.py VIDEO_PAGE_URL SEARCH_PAGE_URL

On the video's page the captions track is turned on (the viewer's choice)
and its cues read once Chromium has loaded them. On the search page the
first result is clicked, as a reader would, and the post's player position
read once it has its metadata.
"""
import json
import sys

import browser_kit
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CAPTIONS = r"""
const done = arguments[arguments.length - 1];
const element = document.querySelector("video track[kind=captions]");
if (!element) { done({ found: false }); return; }
element.track.mode = "showing";
const report = () => done({
  found: true, readyState: element.readyState, mode: element.track.mode, language: element.srclang,
  cues: [...(element.track.cues || [])].map(c => [c.startTime, c.endTime, c.text]),
});
if (element.readyState === 2) report();
else { element.addEventListener("load", report); element.addEventListener("error", report); }
"""

POSITION = r"""
const done = arguments[arguments.length - 1];
const player = document.querySelector("article audio, article video");
if (!player) { done({ found: false }); return; }
const report = () => done({ found: true, currentTime: player.currentTime, readyState: player.readyState, url: location.href });
if (player.readyState >= 1) setTimeout(report, 200);
else player.addEventListener("loadedmetadata", () => setTimeout(report, 200));
"""


def main():
    video_page, search_page = sys.argv[1], sys.argv[2]
    driver = browser_kit.browser(1280)
    try:
        driver.get(video_page)
        captions = driver.execute_async_script(CAPTIONS)
        driver.get(search_page)
        results = driver.find_elements(By.CSS_SELECTOR, ".search-result h2 a")
        clicked = results[0].get_attribute("href") if results else None
        position = None
        if results:
            results[0].click()
            WebDriverWait(driver, 30).until(lambda d: d.current_url == clicked)
            position = driver.execute_async_script(POSITION)
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        print(json.dumps({"captions": captions, "clicked": clicked, "position": position, "consoleErrors": errors}))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
