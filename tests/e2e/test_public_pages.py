"""A street's published page in a real browser: the catalog service as a process, Debian's Chromium headless.

Chromium renders the page on a phone-sized window; the test reads the Chinese item names from the rendered
DOM, checks the screenshot is a picture and not a blank, and decodes the QR code drawn on it to the page URL.
CI installs ``chromium`` and ``fonts-noto-cjk``, so a missing browser fails the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from services.platform import catalog_demo
from services.platform.catalog_demo import STREETS, demo_catalogue
from services.platform.supervisor import ServiceProcesses, ServiceSpec, on_free_ports
from tests.demo_catalogue import SHARED, tokens
from tests.integration.test_catalog_streetlists import item, load, publish_street_list
from tests.support import JWT_SECRET, bearer, unique

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
NAMES = ("门前三包责任制落实", "农村人居环境整治")


@pytest.fixture(scope="module")
def catalog_url(nats_url: str, catalog_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "LINKAGE_NATS_URL": nats_url,
        "LINKAGE_DATABASE_URL": catalog_database,
        "LINKAGE_JWT_SECRET": JWT_SECRET,
        "LINKAGE_RELAY_POLL_S": "0.2",
    }
    [spec] = on_free_ports([ServiceSpec("catalog", 0)])
    with ServiceProcesses(env={**os.environ, **env}, log_dir=tmp_path_factory.mktemp("logs"), services=[spec]) as up:
        up.wait_ready(timeout=60)
        yield spec.url


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium fonts-noto-cjk`")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-proxy-server",  # the page is on 127.0.0.1: no proxy from the environment in between
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([str(CHROMIUM), *flags, *arguments], capture_output=True, text=True, timeout=120, check=True)


async def test_the_published_page_renders_in_chromium_with_its_qr_code(catalog_url: str, tmp_path: Path) -> None:
    street, other = unique("hongxing"), unique("zhengyang")
    codes = [unique("C"), unique("D")]
    items = [item(codes[0], NAMES[0]), item(codes[1], NAMES[1], kind="differentiated", streets=(street,))]
    async with httpx.AsyncClient(base_url=catalog_url, timeout=10, trust_env=False) as client:
        loaded = await client.post("/catalogue", json=load(street, other, items), headers=bearer("office"))
        assert loaded.status_code == 201, loaded.text
        await publish_street_list(client, street, codes)
    page = f"{catalog_url}/public/streets/{street}"

    dom = chromium("--dump-dom", page, profile=tmp_path / "dom-profile").stdout
    for text in (*NAMES, "红星街道", "备案号", "共性清单", "差异化清单"):
        assert text in dom, f"{text} not in the rendered DOM"

    shot = tmp_path / "street-page.png"
    chromium(f"--screenshot={shot}", "--window-size=390,1200", page, profile=tmp_path / "shot-profile")
    assert shot.exists(), "Chromium wrote no screenshot"
    picture = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert picture.size == (390, 1200)
    colours = picture.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 1, "the screenshot is one flat colour"
    decoded = [barcode.text for barcode in zxingcpp.read_barcodes(picture)]
    assert decoded == [page], "the QR code drawn on the page does not point at the page"


async def test_with_the_demo_loaded_a_streets_page_shows_its_items_and_its_qr(catalog_url: str, tmp_path: Path) -> None:
    demo = demo_catalogue()
    # as `linkage up --demo` loads it: the CLI's own (blocking) client against the service process
    # the module's other test loaded first, so the demo widens street duties: the emergency path (唯一入口)
    loaded = await asyncio.to_thread(catalog_demo.load, catalog_url, tokens, emergency_reason=SHARED)
    async with httpx.AsyncClient(base_url=catalog_url, timeout=300, trust_env=False) as client:
        listed = (await client.get("/public/streets")).json()
    assert set(loaded.published) <= set(STREETS)
    street = "wulong"
    assert street in {entry["street_code"] for entry in listed}
    page = f"{catalog_url}/public/streets/{street}"
    expected = [*[i.name for i in demo.items if street in i.street_codes][:3], demo.items[0].name]

    dom = chromium("--dump-dom", page, profile=tmp_path / "dom-profile").stdout
    for text in (*expected, STREETS[street]):
        assert text in dom, f"{text} not in the rendered DOM"
    shot = tmp_path / "demo-page.png"
    chromium(f"--screenshot={shot}", "--window-size=390,1400", page, profile=tmp_path / "shot-profile")
    picture = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert [barcode.text for barcode in zxingcpp.read_barcodes(picture)] == [page]
