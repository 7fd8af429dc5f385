"""``linkage catalog import FILE`` and ``linkage catalog export``: the catalogue (清单) of a running platform,
over HTTP (the platform never imports a service), with an office token signed by the platform's secret."""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from services.platform.errors import PlatformError
from services.runtime.auth import mint_token

DEFAULT_URL = "http://127.0.0.1:8101"
FORMATS = ("xlsx", "csv", "json")


def add_catalog_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalog = commands.add_parser("catalog", help="import or export the catalogue (清单) of a running platform")
    actions = catalog.add_subparsers(required=True, metavar="ACTION")
    upload_cmd = actions.add_parser("import", help="upload an .xlsx form, .csv or .json; report every rejected row")
    upload_cmd.add_argument("file", type=Path, help="the file to import")
    grounds = upload_cmd.add_mutually_exclusive_group()  # 唯一入口: what a load widening street duties cites
    grounds.add_argument("--application", metavar="ID", help="an approved admission application (准入) the load cites")
    grounds.add_argument("--emergency-reason", metavar="TEXT", help="紧急情况: audited and flagged to the committee")
    _connection(upload_cmd)
    upload_cmd.set_defaults(command=_import)
    export_cmd = actions.add_parser("export", help="download the catalogue in force")
    export_cmd.add_argument("--format", choices=FORMATS, default="xlsx", help="file format (default: %(default)s)")
    export_cmd.add_argument("-o", "--output", type=Path, help="where to write; '-' for stdout; default: its own name")
    _connection(export_cmd)
    export_cmd.set_defaults(command=_export)


def _connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default=DEFAULT_URL, help="the catalog service (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=Path(".linkage"), help="where `linkage up` keeps its secret")


def _client(args: argparse.Namespace) -> httpx.Client:
    # Imported here: cli.py imports this module to register the commands, so a top-level import would be circular.
    from services.platform.cli import jwt_secret

    token = mint_token(jwt_secret(args.data_dir.absolute(), create=False), subject="linkage-cli", roles=["office"])
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=args.url, headers=headers, timeout=httpx.Timeout(30.0, read=600.0))


def _import(args: argparse.Namespace) -> int:
    with _client(args) as client:
        cited = {"application_id": args.application, "emergency_reason": args.emergency_reason}
        return upload(client, args.file, console=Console(), grounds={k: v for k, v in cited.items() if v})


def _export(args: argparse.Namespace) -> int:
    with _client(args) as client:
        return download(client, args.format, args.output, console=Console(stderr=True))


def upload(client: httpx.Client, path: Path, *, console: Console, grounds: dict[str, str] | None = None) -> int:
    """Send the file with a progress bar; print the new version, or every rejected row and return 1. ``grounds``
    (``application_id`` or ``emergency_reason``) go with it for a load that widens street duties."""
    if not path.is_file():
        raise PlatformError(f"no such file: {path}")
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"上传 {path.name}", total=path.stat().st_size)

        def moved(position: int, done: bool) -> None:
            progress.update(task, completed=position, description="校验并导入 (validating)" if done else None)

        with _Tracked(path, moved) as file:
            files = {"file": (path.name, file, "application/octet-stream")}
            response = _send(lambda: client.post("/catalogue/import", files=files, data=grounds or {}), client)
    return _report(response, console)


def _report(response: httpx.Response, console: Console) -> int:
    if response.status_code == 422 and "errors" in response.json():
        errors: list[dict[str, Any]] = response.json()["errors"]
        table = Table("表 sheet", "行 row", "列 column", "原因 reason", title="rejected rows (nothing was imported)")
        for error in errors:
            table.add_row(error["sheet"], str(error["row"] or ""), error["column"] or "", error["reason"])
        console.print(table)
        console.print(f"[red]rejected: {len(errors)} problem(s); the catalogue is unchanged[/red]")
        return 1
    _refuse_unless_ok(response)
    body = response.json()
    diff = body["diff"]
    if body["version"] is None:
        console.print("imported: nothing changed, no new version")
    else:
        counts = ", ".join(f"{len(diff.get(k, []))} {k}" for k in ("added", "changed", "grids"))
        console.print(f"imported: catalogue version {body['version']} ({counts})")
    return 0


def download(client: httpx.Client, file_format: str, output: Path | None, *, console: Console) -> int:
    response = _send(lambda: client.get("/catalogue/export", params={"format": file_format}), client)
    _refuse_unless_ok(response)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(response.content)
        return 0
    target = output or Path(_filename(response) or f"catalogue.{file_format}")
    target.write_bytes(response.content)
    console.print(f"exported: {target} ({len(response.content)} bytes)")
    return 0


def _filename(response: httpx.Response) -> str | None:
    found = re.search(r"filename\*=UTF-8''([^;]+)", response.headers.get("content-disposition", ""))
    return Path(unquote(found[1])).name if found else None  # a bare name: never a path the server chose


def _send(request: Callable[[], httpx.Response], client: httpx.Client) -> httpx.Response:
    try:
        return request()
    except httpx.TransportError as error:
        raise PlatformError(f"cannot reach the catalog service at {client.base_url}: {error}") from error


def _refuse_unless_ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise PlatformError(f"the catalog service answered {response.status_code}: {response.text[:500]}")


class _Tracked(io.BufferedReader):
    """A file whose reads move a progress bar, so the bar shows the bytes actually sent."""

    def __init__(self, path: Path, moved: Callable[[int, bool], None]) -> None:
        super().__init__(io.FileIO(path))
        self._moved = moved

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self._moved(self.tell(), not chunk)
        return chunk
