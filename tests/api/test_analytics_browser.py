"""The analytics page in a real browser (issue 13 point 3): headless Chromium loads the page from a
running service over a seeded database, takes a screenshot, and the screenshot shows the plots (the
colours of the bars and the rate line) and the table.

Chromium is Debian's package; `.ci/run` installs it and sets ``REQUIRE_CHROMIUM=1``, which turns a
missing browser into a failure. Locally the test skips with a reason when there is no Chromium.
``ANALYTICS_SCREENSHOT=path.png`` keeps the screenshot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.analytics_seed import seed
from tests.storage.test_durability import start_service

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
QUERY = "?since=2026-09-28&until=2026-12-06"  # the seeded weeks, whatever today is
# bar and line colours of the plots (analytics_page.SERIES and the rate line), as RGB
COLOURS = {"shown": (0x99, 0x99, 0x99), "accepted": (0x00, 0x9E, 0x73), "overridden": (0xE6, 0x9F, 0x00),
           "snoozed": (0xCC, 0x79, 0xA7), "rate": (0x00, 0x72, 0xB2)}


def browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = "headless Chromium is not installed (apt-get install chromium); `.ci/run` installs it"
    if os.environ.get("REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"REQUIRE_CHROMIUM=1 but {message}", pytrace=False)
    pytest.skip(message)


def count_colours(png: Path) -> dict[str, int]:
    from PIL import Image

    image = Image.open(png).convert("RGB")
    found = dict.fromkeys(COLOURS, 0)
    for count, rgb in image.getcolors(maxcolors=1 << 24):
        for name, target in COLOURS.items():
            if max(abs(a - b) for a, b in zip(rgb, target)) <= 6:
                found[name] += count
    return found


def test_the_page_in_headless_chromium_shows_the_plots(tmp_path):
    chromium = browser()
    database = f"sqlite:///{tmp_path / 'analytics.db'}"
    seed(database)
    proc, base = start_service(database, tmp_path / "service.log")
    shot = Path(os.environ.get("ANALYTICS_SCREENSHOT") or tmp_path / "analytics.png").absolute()
    try:
        run = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2200", f"--screenshot={shot}",
             f"{base}/admin/analytics{QUERY}"],
            capture_output=True, text=True, timeout=120,
        )
        dom = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile2'}", "--dump-dom", f"{base}/admin/analytics{QUERY}"],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert shot.exists(), run.stderr[-2000:]
    assert dom.stdout.count("<svg") == 5 and "Feedback per recommendation" in dom.stdout
    found = count_colours(shot)
    # every series is drawn: each colour covers a visible area (a legend swatch alone is ~100 pixels)
    assert all(n > 400 for n in found.values()), found
