"""What the browser tests share: a headless Chromium, waiting, signing in,
WCAG contrast, and the audit every studio page gets (labels, contrast, width)."""
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

# WCAG contrast of an element's text against the background it shows on.
CONTRAST = r"""
function luminance(rgb) {
  const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function colour(text) { return text.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number); }
function contrast(element) {
  const style = getComputedStyle(element);
  let node = element, background = "rgba(0, 0, 0, 0)";
  while (node && (background === "rgba(0, 0, 0, 0)" || background === "transparent")) {
    background = getComputedStyle(node).backgroundColor; node = node.parentElement;
  }
  if (background === "rgba(0, 0, 0, 0)") background = "rgb(255, 255, 255)";
  const a = luminance(colour(style.color)), b = luminance(colour(background));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""

# What a person using a keyboard or a screen reader needs: every control named,
# text readable (WCAG contrast), nothing wider than the screen.
AUDIT = CONTRAST + r"""
const controls = [...document.querySelectorAll("input, select, textarea, button")]
  .filter(e => e.type !== "hidden" && e.offsetParent !== null);
const unlabelled = controls.filter(e => {
  if (e.tagName === "BUTTON") return !(e.textContent.trim() || e.getAttribute("aria-label"));
  if (e.getAttribute("aria-label")) return false;
  if (e.id && document.querySelector("label[for='" + e.id + "']")) return false;
  return !e.closest("label");
}).map(e => e.outerHTML.slice(0, 80));
const texts = [...document.querySelectorAll("p, li, a, h1, label, td, th, button, legend")]
  .filter(e => e.textContent.trim() && e.offsetParent !== null);
return {
  unlabelled,
  lowestContrast: texts.length ? Math.min(...texts.map(contrast)) : null,
  overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
};
"""


def browser(width, height=1000, arguments=()):
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     *arguments]:
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
    return driver


def wait(driver, condition, errors, seconds=60, what="a condition"):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        errors.append(f"timed out waiting for {what} on {driver.current_url}")
        return None


def gone(element):
    """A condition: the element's page has been replaced. Chromedriver answers a
    node caught mid-navigation with an "unknown error" (the node "does not belong
    to the document") rather than a stale reference; both mean the page went."""
    def condition(_driver):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return condition


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def sign_in(driver, passphrase, errors):
    wait(driver, lambda d: d.find_elements(By.ID, "passphrase"), errors, what="the sign-in form")
    driver.find_element(By.ID, "passphrase").send_keys(passphrase)
    driver.find_element(By.CSS_SELECTOR, "form.auth button[type=submit]").click()
    wait(driver, lambda d: "/studio" in d.current_url and not d.find_elements(By.ID, "passphrase"), errors,
         what="the studio after sign-in")
