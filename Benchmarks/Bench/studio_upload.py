"""For `bench studio`: signs in to the studio in headless Chromium, then
uploads FILE ROUNDS times through the composer's own upload code
(upload.js: tus, 8 MB chunks, XMLHttpRequest), and prints the seconds each
took, and the bytes of HTML, CSS and script each studio page loads.

    python3 studio_upload.py BASE_URL PASSPHRASE FILE ROUNDS
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, passphrase, path, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
options = webdriver.ChromeOptions()
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
    options.add_argument(argument)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_script_timeout(600)
driver.get(base + "/studio/new")
driver.find_element(By.ID, "passphrase").send_keys(passphrase)
driver.find_element(By.CSS_SELECTOR, "form.auth button[type=submit]").click()
WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "composer"))

weights = {}
for name in ["new", "posts", "media", "show", "apps"]:
    driver.get(base + "/studio/" + name)
    weights[name] = driver.execute_script("""
        const entries = performance.getEntriesByType("resource").filter(e => e.initiatorType === "script" || e.initiatorType === "link");
        const page = performance.getEntriesByType("navigation")[0];
        return page.transferSize + entries.reduce((sum, e) => sum + e.encodedBodySize, 0);
    """)

driver.get(base + "/studio/new")
driver.find_element(By.CSS_SELECTOR, "input[name=kind][value=video]").click()
driver.find_element(By.ID, "video-file").send_keys(path)
seconds = []
for _ in range(rounds):
    seconds.append(driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const file = document.getElementById("video-file").files[0];
        const csrf = document.querySelector("meta[name=csrf-token]").content;
        localStorage.clear();
        const start = performance.now();
        window.Microcast.upload(document.getElementById("composer").dataset.uploads, file, csrf, () => {})
          .then(() => done((performance.now() - start) / 1000), (error) => done(-1));
    """))
driver.quit()
print(json.dumps({"seconds": seconds, "weights": weights}))
