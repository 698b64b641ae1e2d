"""The deal desk (`GET /` of `dealrules serve`) in a real browser: Debian's chromium, driven by
Selenium, headless, against the built server on a free loopback port. Fields are found by their
visible labels, as a person finds them; the decision is read from `data-decision` and
`data-approval`. A screenshot of each failing test goes to .build/page-screenshots/.

Run by scripts/test: `python3 Tests/service/test_page.py BINARY` (Selenium from PyPI).
"""
import base64
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_service  # noqa: E402  (the server helper and the binary's path)
from test_service import DEALS, ROOT, SAMPLES, Server, read, run  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service as DriverService  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

SHOTS = os.path.join(ROOT, ".build/page-screenshots")


def browser(width=1280, height=2200, phone=False):
    options = webdriver.ChromeOptions()
    if phone:
        # A window is at least 500 pixels wide; a phone's screen is emulated instead.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}})
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(a)
    return webdriver.Chrome(service=DriverService(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def link(port, deal):
    data = base64.urlsafe_b64encode(json.dumps(deal).encode()).decode().rstrip("=")
    return f"http://127.0.0.1:{port}/#deal={data}"


class PageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.url = f"http://127.0.0.1:{cls.server.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.driver = browser()

    def tearDown(self):
        result = getattr(self._outcome, "result", None)
        failed = bool(result) and any(test is self for test, _ in result.errors + result.failures)
        if failed:
            os.makedirs(SHOTS, exist_ok=True)
            self.driver.save_screenshot(os.path.join(SHOTS, self._testMethodName + ".png"))
        self.driver.quit()

    # What a person does: find a field by its label, type, choose; wait for the decision.

    def field(self, label):
        labels = self.driver.find_elements(By.XPATH, f"//label[normalize-space(.)='{label}']")
        self.assertTrue(labels, f"no field is labelled {label!r}")
        return self.driver.find_element(By.ID, labels[0].get_attribute("for"))

    def type(self, label, text):
        element = self.field(label)
        if element.tag_name == "select":
            Select(element).select_by_visible_text(text)
        else:
            element.clear()
            element.send_keys(text)

    def click(self, text):
        buttons = self.driver.find_elements(By.XPATH, f"//button[starts-with(normalize-space(.), '{text}')]")
        self.assertTrue(buttons, f"no button says {text!r}")
        buttons[0].click()

    def decision(self, expected, approvals=None, seconds=10):
        def settled(driver):
            banner = driver.find_element(By.ID, "banner")
            shown = sorted(e.get_attribute("data-approval") for e in driver.find_elements(By.CSS_SELECTOR, "[data-approval]"))
            return banner.get_attribute("data-decision") == expected and (approvals is None or shown == sorted(approvals))
        try:
            WebDriverWait(self.driver, seconds).until(settled)
        except TimeoutException:
            banner = self.driver.find_element(By.ID, "banner")
            self.fail(f"the page shows {banner.get_attribute('data-decision')!r} ({banner.text}), not {expected!r} {approvals}")
        return self.driver.find_element(By.ID, "banner").text

    def build_the_needs_approval_deal(self):
        self.driver.get(self.url)
        self.decision("incomplete")
        for label, text in [("customer", "Fabrikam GmbH"), ("region", "EU"), ("industry", "manufacturing"),
                            ("discount", "25"), ("term", "36 months"), ("start", "2026-12-10"), ("total", "80000"),
                            ("list_price", "106000"), ("sla", "gold"), ("languages", "German, English"),
                            ("today", "2026-12-01")]:
            self.type(label, text)
        for n, (name, seats) in enumerate([("SIEM", "40"), ("Endpoint Protection", "400"), ("Dark Web Monitoring", "400")], 1):
            self.click("Add service")
            self.type(f"service {n} name", name)
            self.type(f"service {n} seats", seats)

    def test_a_deal_typed_into_the_form_needs_the_three_teams_and_an_avoid_suggestion_removes_finance(self):
        self.build_the_needs_approval_deal()
        text = self.decision("needs_approval", ["delivery_approval", "finance_approval", "security_review"])
        self.assertIn("Service Delivery, Finance and Security", text)
        # What the catalog gives stays folded for SIEM, and opens for an item the catalog lacks.
        folds = self.driver.find_elements(By.CSS_SELECTOR, ".item-row details")
        self.assertEqual([f.get_attribute("open") is not None for f in folds], [False, False, True])
        self.assertFalse(self.field("service 1 lead_time").is_displayed())
        self.assertTrue(self.field("service 3 lead_time").is_displayed())
        finance = self.driver.find_element(By.CSS_SELECTOR, "[data-approval='finance_approval']")
        self.assertIn("Discounts above 20% eat the delivery margin", finance.text)
        self.assertIn("discount = 25%", finance.text, "the values that decided it")
        # How to avoid Finance, then apply the first suggestion.
        self.driver.find_element(By.XPATH, "//*[@data-approval='finance_approval']//button[starts-with(normalize-space(.), 'How to avoid')]").click()
        apply = WebDriverWait(self.driver, 10).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "[data-approval='finance_approval'] .suggestion button"))
        self.assertIn("discount = 20%", apply.text)
        apply.click()
        text = self.decision("needs_approval", ["delivery_approval", "security_review"])
        self.assertIn("−Finance", text)
        self.assertEqual(self.field("discount").get_attribute("value"), "20%")
        # Undo takes the change back.
        self.click("Undo the last change")
        self.decision("needs_approval", ["delivery_approval", "finance_approval", "security_review"])
        # The picture in docs/ (docs/deal-desk.png is a copy of this one, from the top).
        self.driver.execute_script("window.scrollTo(0, 0)")
        self.driver.set_window_size(1280, 1400)
        os.makedirs(os.path.join(ROOT, ".build"), exist_ok=True)
        self.driver.save_screenshot(os.path.join(ROOT, ".build/deal-desk.png"))

    def test_a_bad_value_is_explained_beside_its_field_and_the_form_is_kept(self):
        self.build_the_needs_approval_deal()
        self.decision("needs_approval")
        self.type("discount", "lots")
        error = WebDriverWait(self.driver, 10).until(
            lambda d: d.find_element(By.ID, self.field("discount").get_attribute("aria-describedby")).text or None)
        self.assertIn("`discount`: `lots` is not a percent", error)
        self.assertEqual(self.field("customer").get_attribute("value"), "Fabrikam GmbH")
        self.assertEqual(self.field("service 3 name").get_attribute("value"), "Dark Web Monitoring")
        self.type("discount", "15")
        self.decision("needs_approval", ["delivery_approval", "security_review"])

    def test_the_shared_link_opens_the_same_decision_in_a_fresh_browser(self):
        self.build_the_needs_approval_deal()
        self.decision("needs_approval", ["delivery_approval", "finance_approval", "security_review"])
        shared = self.driver.current_url
        self.assertIn("#deal=", shared)
        fresh = browser()
        try:
            fresh.get(shared)
            WebDriverWait(fresh, 10).until(lambda d: d.find_element(By.ID, "banner").get_attribute("data-decision") == "needs_approval")
            shown = sorted(e.get_attribute("data-approval") for e in fresh.find_elements(By.CSS_SELECTOR, "[data-approval]"))
            self.assertEqual(shown, ["delivery_approval", "finance_approval", "security_review"])
        finally:
            fresh.quit()

    def test_every_sample_deal_opened_by_link_is_decided_as_eval_decides_it(self):
        for name in sorted(os.listdir(DEALS)):
            if not name.endswith(".json"):
                continue
            deal = json.loads(read(os.path.join(DEALS, name)))
            expected = json.loads(run("eval", SAMPLES, "--deal", os.path.join(DEALS, name), "--format", "json").stdout)
            self.driver.get(link(self.server.port, deal))
            self.driver.refresh()
            self.decision(expected["decision"], expected["required"])

    def test_a_whole_deal_with_the_keyboard_alone(self):
        self.driver.get(self.url)
        self.decision("incomplete")
        body = self.driver.find_element(By.TAG_NAME, "body")
        body.click()

        def tab_to(label):
            target = self.field(label)
            for _ in range(80):
                if self.driver.switch_to.active_element == target:
                    return self.driver.switch_to.active_element
                # The key goes to whatever has the focus (a panel re-drawn meanwhile is no matter).
                ActionChains(self.driver).send_keys(Keys.TAB).perform()
            self.fail(f"Tab never reached {label!r}")

        for label, keys in [("today", "2026-12-01"), ("customer", "Adatum"), ("region", "US"), ("discount", "5"),
                            ("term", "12 months"), ("start", "2027-01-04"), ("total", "12000"), ("list_price", "12600"),
                            ("sla", "bronze")]:
            element = tab_to(label)
            if element.tag_name == "select":
                element.send_keys(keys)  # a select takes the typed start of an option
            else:
                element.send_keys(Keys.CONTROL, "a")
                element.send_keys(keys)
        add = self.driver.find_element(By.XPATH, "//button[normalize-space(.)='Add service']")
        for _ in range(80):
            if self.driver.switch_to.active_element == add:
                break
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
        add.send_keys(Keys.ENTER)  # the new row's name takes the focus
        self.driver.switch_to.active_element.send_keys("Email Filtering")
        tab_to("service 1 seats").send_keys("50")
        expected = json.loads(run("eval", SAMPLES, "--deals", "-", stdin=read(os.path.join(DEALS, "stream.jsonl")).split(b"\n")[0]).stdout)
        self.decision(expected["decision"], expected["required"])

    def test_what_if_and_copy_as_scenario(self):
        self.build_the_needs_approval_deal()
        self.decision("needs_approval", ["delivery_approval", "finance_approval", "security_review"])
        self.type("A change, as the REPL takes it", "discount = 15%")
        self.click("Try it")
        answer = WebDriverWait(self.driver, 10).until(lambda d: d.find_element(By.ID, "whatif").text or None)
        self.assertIn("NEEDS APPROVAL → NEEDS APPROVAL", answer)
        self.assertIn("disappear: Finance", answer)
        self.type("A change, as the REPL takes it", "discount = lots")
        self.click("Try it")
        WebDriverWait(self.driver, 10).until(lambda d: "is neither a field nor a percent" in d.find_element(By.ID, "whatif").text)
        self.type("Scenario name", "Fabrikam renewal")
        self.click("Copy as scenario")
        text = WebDriverWait(self.driver, 10).until(lambda d: d.find_element(By.ID, "scenario").text or None)
        self.assertTrue(text.startswith('scenario "Fabrikam renewal" {'), text)
        self.assertIn('add service "Dark Web Monitoring" with seats = 400', text)

    def test_a_service_that_stops_answering_is_said_and_the_form_is_kept(self):
        server = Server()
        self.driver.get(f"http://127.0.0.1:{server.port}/")
        self.decision("incomplete")
        self.type("customer", "Contoso")
        self.decision("incomplete")
        server.stop()
        self.type("discount", "25")
        problem = WebDriverWait(self.driver, 10).until(lambda d: d.find_element(By.ID, "problem").text or None)
        self.assertIn("the service cannot be reached", problem)
        self.assertEqual(self.field("customer").get_attribute("value"), "Contoso")
        self.assertEqual(self.field("discount").get_attribute("value"), "25")

    def test_the_page_asks_once_for_a_token_when_the_service_needs_one(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".tokens") as tokens:
            tokens.write("desk-token\n")
            tokens.flush()
            guarded = Server("--token-file", tokens.name)
            try:
                self.driver.get(f"http://127.0.0.1:{guarded.port}/")
                token = WebDriverWait(self.driver, 10).until(lambda d: self.field("Access token") if self.field("Access token").is_displayed() else None)
                token.send_keys("desk-token")
                self.click("Use it")
                self.decision("incomplete")
                self.type("discount", "25")
                self.decision("incomplete", ["finance_approval"])
                # Kept for the tab: a reload does not ask again.
                self.driver.refresh()
                self.decision("incomplete", ["finance_approval"])
                self.assertFalse(self.field("Access token").is_displayed())
            finally:
                guarded.stop()

    def test_a_narrow_screen_keeps_every_field_usable(self):
        narrow = browser(390, 844, phone=True)
        try:
            narrow.get(self.url)
            WebDriverWait(narrow, 10).until(lambda d: d.find_element(By.ID, "banner").get_attribute("data-decision") == "incomplete")
            self.assertEqual(narrow.execute_script("return window.innerWidth"), 390)
            width = narrow.execute_script("return document.documentElement.scrollWidth")
            self.assertLessEqual(width, 390, "nothing is cut off or scrolls sideways at phone width")
            for label in narrow.find_elements(By.TAG_NAME, "label"):
                target = label.get_attribute("for")
                self.assertTrue(target and narrow.find_element(By.ID, target), "every input has a label")
        finally:
            narrow.quit()


if __name__ == "__main__":
    unittest.main(verbosity=2)
