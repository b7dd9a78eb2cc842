"""Opens pages in headless Chromium (Selenium + chromedriver) and reports what
a reader would notice, as JSON on stdout: console errors, images that did not
load, each player's duration, horizontal overflow at 360 px, images without
alt text, unlabelled players and text contrast. Screenshots go to a folder.

    python3 check_pages.py OUTPUT_FOLDER [--bypass-csp] NAME=URL [NAME=URL ...]

--bypass-csp lets the checks run in documents whose policy forbids script
(a /media file is served with `Content-Security-Policy: sandbox`).
"""
import json
import os
import sys
import time

import browser_kit
from browser_kit import CONTRAST

CHECKS = r"""
const done = arguments[arguments.length - 1];
""" + CONTRAST + r"""
(async () => {
  // Bring every lazy image into view, then wait for them all.
  for (const img of document.images) { img.scrollIntoView(); await new Promise(r => setTimeout(r, 30)); }
  await Promise.all([...document.images].map(img => img.complete ? null : new Promise(r => { img.onload = img.onerror = r; })));
  const players = [...document.querySelectorAll("audio, video")];
  await Promise.all(players.map(p => p.readyState >= 1 ? null : new Promise(r => {
    p.addEventListener("loadedmetadata", r); p.addEventListener("error", r); p.load(); setTimeout(r, 8000);
  })));
  const texts = [...document.querySelectorAll("p, li, a, h1, h2, time, figcaption")].filter(e => e.textContent.trim());
  done({
    brokenImages: [...document.images].filter(img => !(img.naturalWidth > 0)).map(img => img.currentSrc || img.src),
    imagesWithoutAlt: [...document.images].filter(img => !img.hasAttribute("alt")).map(img => img.src),
    players: players.map(p => ({ tag: p.tagName.toLowerCase(), duration: p.duration, label: p.getAttribute("aria-label") || "" })),
    lowestContrast: texts.length ? Math.min(...texts.map(contrast)) : null,
    imageCount: document.images.length,
    title: document.title,
    // As displayed: Chromium applies EXIF orientation to natural sizes.
    imageSizes: [...document.images].map(img => [img.naturalWidth, img.naturalHeight]),
  });
})();
"""


def browser(width):
    return browser_kit.browser(width, 900, ["--autoplay-policy=no-user-gesture-required"])


def main():
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    arguments = sys.argv[2:]
    bypass = bool(arguments) and arguments[0] == "--bypass-csp"
    pages = [argument.split("=", 1) for argument in arguments[1 if bypass else 0:]]
    report = {}
    wide = browser(1280)
    if bypass:
        wide.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    for name, url in pages:
        wide.get(url)
        result = wide.execute_async_script(CHECKS)
        result["consoleErrors"] = [entry["message"] for entry in wide.get_log("browser") if entry["level"] == "SEVERE"]
        wide.save_screenshot(os.path.join(folder, f"{name}.png"))
        report[name] = result
    wide.quit()
    narrow = browser(360)
    for name, url in pages:
        narrow.get(url)
        time.sleep(0.2)
        report[name]["overflowAt360"] = narrow.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    narrow.quit()
    print(json.dumps(report))


main()
