"""End to end in a real browser: JupyterLab + headless Debian Chromium (Playwright) + the quickstart.

JupyterLab serves a copy of notebooks/01_quickstart.ipynb on 127.0.0.1 (free port, token, no
browser, no API key in its environment, so kernels use the in-process emulator). Chromium opens
it, runs all cells, clicks the playground's Run button and waits for the streamed answer; the
screenshot goes to data/demo/browser/. `make browser` installs /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "data" / "demo" / "browser" / "quickstart_playground.png"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_S = 90
RUN_S = 120


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the server's status endpoint until it answers (bounded; fails with the server log)."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)  # readiness polling, not a timing assumption
    pytest.fail(f"JupyterLab did not answer within {STARTUP_S}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[str, str]]:
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", tmp_path / "notebooks")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "LABKIT_BASE_URL")}
    env.update(LABKIT_DEMO_DIR=str(tmp_path / "demo"), JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"))
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "Jupyter news?" toast over the page (and no news fetch)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
        "--ServerApp.shutdown_no_activity_timeout=300", "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
        "--ServerApp.allow_root=True", f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
    ]
    with log.open("wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log)
        yield f"http://127.0.0.1:{port}/lab/tree/notebooks/01_quickstart.ipynb?token={token}", str(tmp_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _menu(page: object, top: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()  # type: ignore[attr-defined]
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_quickstart_playground_streams_in_chromium(jupyterlab: tuple[str, str]) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    url, workdir = jupyterlab
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            user_data_dir=str(Path(workdir) / "chromium-profile"), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            # JupyterLab may ask which kernel to start: accept its preselected Python 3 whenever it asks.
            page.add_locator_handler(page.locator(".jp-Dialog"),
                                     lambda dialog: dialog.locator(".jp-mod-accept").click())
            page.goto(url, wait_until="domcontentloaded", timeout=STARTUP_S * 1000)
            expect(page.locator(".jp-Notebook").first).to_be_visible(timeout=STARTUP_S * 1000)
            cells = len(json.loads((ROOT / "notebooks" / "01_quickstart.ipynb").read_text())["cells"])
            expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells, timeout=STARTUP_S * 1000)
            expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=STARTUP_S * 1000)  # kernel up
            _menu(page, "Run", "Run All Cells")
            run = page.locator(".widget-button", has_text="Run").last
            expect(run).to_be_visible(timeout=RUN_S * 1000)
            usage = page.locator(".labkit-usage-table")
            expect(usage).to_have_count(1, timeout=RUN_S * 1000)  # the quickstart's own streamed run is done
            run.scroll_into_view_if_needed()
            run.click()
            answer = page.locator(".labkit-answer").last
            expect(answer).to_contain_text("391", timeout=RUN_S * 1000)
            expect(page.locator(".labkit-counter").last).to_contain_text("done", timeout=RUN_S * 1000)
            expect(usage).to_have_count(2, timeout=RUN_S * 1000)
            thinking = page.locator(".labkit-thinking").last.inner_text()
            assert "17" in thinking and "23" in thinking  # the worked steps streamed into their own area
            answer.scroll_into_view_if_needed()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            context.close()
    assert SCREENSHOT.read_bytes()[:4] == b"\x89PNG"
