"""Fair sharing in a real headless Chromium: on a server that trains one run at a time
(``GANLOSS_VIZ_RUN_SLOTS=1``), a second visitor's run waits in the queue with its
position and expected wait, and Cancel takes it off the queue. A 1280x800 screenshot of
the queued Train page goes to /tmp/shots/queued-train.png.
"""

from __future__ import annotations

from browser_harness import CHROMIUM, CHROMIUM_ARGS, MARKS, SHOTS, press_play, streamlit_server

WAIT = 120_000          # milliseconds for a page to show what we wait for
LONG = "/train?loss=ns&target=ring8&steps=10000"      # runs until stopped

pytestmark = MARKS


def play_button(page):
    return page.get_by_role("button", name="Play", exact=False).first


def test_second_run_queues_and_can_be_cancelled(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("GANLOSS_VIZ_RUN_SLOTS", "1")
    with streamlit_server("queue") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first, second = (browser.new_context(viewport={"width": 1280, "height": 800})
                             .new_page() for _ in range(2))
            for page in (first, second):
                page.goto(base + LONG)
                play_button(page).wait_for(timeout=WAIT)
            press_play(first)
            first.get_by_role("button", name="Pause").first.wait_for(timeout=WAIT)
            press_play(second)
            second.get_by_text("Queued: position 1 of 1").first.wait_for(timeout=WAIT)
            assert second.get_by_text("expected wait about").count() >= 1
            assert second.get_by_text("trains 1 run at a time").count() == 1
            second.screenshot(path=str(SHOTS / "queued-train.png"))
            second.get_by_role("button", name="Cancel").first.click()
            second.get_by_text("Cancelled while waiting in the queue").first.wait_for(
                timeout=WAIT)
            # the queued message goes with the rerun that drew the cancellation, which
            # may still be finishing when the new message is already on the page
            second.get_by_text("Queued: position").first.wait_for(state="detached",
                                                                   timeout=WAIT)
            assert second.get_by_text("Queued: position").count() == 0
            first.get_by_role("button", name="Pause").first.click()
            first.get_by_text("Replay · Non-saturating GAN on ring8").first.wait_for(
                timeout=WAIT)
            for page in (first, second):
                assert page.get_by_text("Traceback").count() == 0
                assert page.get_by_test_id("stException").count() == 0
        finally:
            browser.close()
