"""``linkage nats-config``: the NATS accounts, generated from the catalogue's organisation register (组织名录).

One account, ``LINKAGE``, holds JetStream and the platform's users:

- one user per service, publishing only on its own prefix; the JetStream API only for the platform's streams
  (by name), and for consumers on them, except every outsider's durable, which a deny list keeps out of reach
  (subject tokens cannot say "durables starting with ``dispatch-``", so a service may administer any *platform*
  durable: its own are the ones it reconciles at start-up);
- ``provision``: creates the streams and every outsider's durable (:func:`provision`), and nothing else.

Each of these users subscribes only under its own inbox prefix, ``_INBOX.<user>``
(``services.runtime.bus.inbox_prefix``, which the services' broker sets, and ``linkage up``'s provision step), so
none reads another's replies.

Every outsider has an account of its own: the smart-city platform (``SMARTCITY``) and one per department
(``dept-<code>``), street (``street-<code>``), dispatched agency (``agency-<code>``) and grid worker (网格员,
``worker-<code>``: dispatch's roster, the register's ``grid_workers``; ``nats_config_cli`` reads it).
``LINKAGE`` exports to each exactly what it may reach, and the outsider imports it: ``intake.case.reported.v1``
for the smart-city platform; for an organisation or grid worker, the info, the pull (``MSG.NEXT``, streamed
replies) and the acks of its own durable on ``DISPATCH``. A reply crossing an import is rewritten by the server
into a private ``_R_`` subject and routed back into the importer's account, so no reply subject an outsider
chooses, and no subject it subscribes to, can reach a platform stream; an outsider's ``_INBOX.>`` is its own
account's. An outsider cannot create or change a consumer (so no ``deliver_subject`` of its choosing):
``provision`` makes each organisation's durable, pull-only, filtered to ``dispatch.task.assigned.v1.<code>``.

Passwords are never written: each user's is ``$<USER>_PASSWORD`` (``dept-cgj`` → ``DEPT_CGJ_PASSWORD``), which
nats-server reads from its environment, as deploy/compose.yaml and the Helm values give it.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from contracts import STREAMS
from services.platform.errors import PlatformError
from services.runtime.advisories import ADVISORY_STREAM
from services.runtime.bus import inbox_prefix, reconcile_streams

SERVICES = ("catalog", "admission", "dispatch", "evaluation", "enforcement")
PLATFORM_ACCOUNT = "LINKAGE"
SMARTCITY = "smartcity"
PROVISION = "provision"
TASK_STREAM = "DISPATCH"
TASK_SUBJECT = "dispatch.task.assigned.v1"
# Every account answers ``$JS.API.>`` itself ("JetStream not enabled for account"), so an organisation reaches
# the platform's JetStream API under this prefix: its client calls ``nc.jetstream(prefix=JS_PREFIX)``.
JS_PREFIX = "LINKAGE.API"
REPORT_SUBJECT = "intake.case.reported.v1"
# Organisation kinds that receive tasks, and the prefix of their user, account and durable.
KIND_PREFIX = {"department": "dept", "street": "street", "agency": "agency", "gridworker": "worker"}
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # contracts.base.CODE_PATTERN: one subject token


@dataclass(frozen=True)
class Organisation:
    code: str
    kind: str

    @property
    def user(self) -> str:
        """Its NATS user, account and durable name: ``dept-cgj``."""
        return f"{KIND_PREFIX[self.kind]}-{self.code}"

    @property
    def filter_subject(self) -> str:
        return f"{TASK_SUBJECT}.{self.code}"


def password_variable(user: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", user.upper()) + "_PASSWORD"


def organisations_of(register: Mapping[str, Any]) -> list[Organisation]:
    """The task-receiving organisations of a catalogue export (``GET /catalogue/export?format=json``) or of a
    file holding just ``{"organisations": [...]}``, with the active ``grid_workers`` rows (dispatch's rosters:
    ``worker_code``, ``active``) beside them; communities receive no tasks and get no user."""
    rows = register.get("organisations")
    if not isinstance(rows, list):
        raise PlatformError("the register has no 'organisations' list")
    found: dict[str, Organisation] = {}
    for index, row in enumerate(rows):
        code, kind = (row.get("code"), row.get("kind")) if isinstance(row, dict) else (None, None)
        if not isinstance(code, str) or not _TOKEN.match(code):
            raise PlatformError(f"organisations.{index}.code: {code!r} is not an organisation code")
        if kind in KIND_PREFIX:
            found[code] = Organisation(code, str(kind))
    for index, row in enumerate(register.get("grid_workers") or []):
        code = row.get("worker_code") if isinstance(row, dict) else None
        where = f"grid_workers.{index}.worker_code: {code!r}"
        if not isinstance(code, str) or not _TOKEN.match(code):
            raise PlatformError(f"{where} is not a worker code")
        if code in found and found[code].kind != "gridworker":  # both would pull dispatch.task.assigned.v1.<code>
            raise PlatformError(f"{where} is already {found[code].user}'s code: their tasks share one subject")
        if row.get("active", True):
            found[code] = Organisation(code, "gridworker")
    return sorted(found.values(), key=lambda org: (org.kind, org.code))


def users(orgs: Iterable[Organisation]) -> list[str]:
    """Every user the config defines, services first."""
    return [*SERVICES, PROVISION, SMARTCITY, *(org.user for org in orgs)]


def _quoted(subjects: Iterable[str], indent: int) -> str:
    pad = " " * indent
    return "\n".join(f'{pad}"{subject}",' for subject in subjects)


def _platform_streams() -> list[str]:
    return [*(spec.name for spec in STREAMS), ADVISORY_STREAM]


def service_allow(service: str) -> list[str]:
    allow = [f"{service}.>", "$JS.API.INFO"]
    for stream in _platform_streams():
        allow += [f"$JS.API.STREAM.{verb}.{stream}" for verb in ("CREATE", "UPDATE", "INFO", "MSG.GET")]
        allow += [f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.*", f"$JS.API.CONSUMER.CREATE.{stream}.*"]
        allow += [f"$JS.API.CONSUMER.CREATE.{stream}.*.>"]
        allow += [f"$JS.API.CONSUMER.{verb}.{stream}.*" for verb in ("INFO", "DELETE", "MSG.NEXT")]
        allow += [f"$JS.ACK.{stream}.>"]
    return allow


def outsider_deny(orgs: Iterable[Organisation]) -> list[str]:
    """What no service may do to an organisation's durable: create, change, inspect, delete, pull from, ack."""
    deny: list[str] = []
    for org in orgs:
        at = f"{TASK_STREAM}.{org.user}"
        deny += [f"$JS.API.CONSUMER.*.{at}", f"$JS.API.CONSUMER.*.{at}.>", f"$JS.API.CONSUMER.*.*.{at}"]
        deny += [f"$JS.ACK.{at}.>"]
    return deny


def provision_allow(orgs: Iterable[Organisation]) -> list[str]:
    allow = ["$JS.API.INFO"]
    allow += [f"$JS.API.STREAM.{verb}.{s}" for s in _platform_streams() for verb in ("CREATE", "UPDATE", "INFO")]
    for org in orgs:
        at = f"{TASK_STREAM}.{org.user}"
        allow += [f"$JS.API.CONSUMER.CREATE.{at}.{org.filter_subject}", f"$JS.API.CONSUMER.INFO.{at}"]
        allow += [f"$JS.API.CONSUMER.DELETE.{at}"]
    return allow


def outsider_exports(org: Organisation) -> list[tuple[str, str | None]]:
    """The services ``LINKAGE`` exports to one organisation: (subject, response type)."""
    at = f"{TASK_STREAM}.{org.user}"
    return [
        (f"$JS.API.CONSUMER.INFO.{at}", None),
        (f"$JS.API.CONSUMER.MSG.NEXT.{at}", "stream"),  # one pull request, many messages in reply
        (f"$JS.ACK.{at}.>", None),
    ]


def _user(name: str, *, publish: Sequence[str], subscribe: Sequence[str], deny: str | None = None) -> str:
    denied = f"\n            deny: ${deny}" if deny else ""
    return (
        f"        {{\n          user: {name}\n          password: ${password_variable(name)}\n"
        f"          permissions: {{\n            publish: {{ allow: [\n{_quoted(publish, 14)}\n"
        f"            ]{denied} }}\n"
        f"            subscribe: {{ allow: [{', '.join(json.dumps(s) for s in subscribe)}] }}\n          }}\n        }}"
    )


def _export(subject: str, response: str | None, account: str) -> str:
    streamed = f", response_type: {response}" if response else ""
    return f'      {{ service: "{subject}"{streamed}, accounts: ["{account}"] }}'


def local_subject(subject: str) -> str:
    """What an outsider publishes for an exported subject: the JetStream API under ``JS_PREFIX``."""
    return subject.replace("$JS.API.", f"{JS_PREFIX}.", 1) if subject.startswith("$JS.API.") else subject


def _import(subject: str) -> str:
    to = f', to: "{local_subject(subject)}"' if local_subject(subject) != subject else ""
    return f'      {{ service: {{ account: {PLATFORM_ACCOUNT}, subject: "{subject}" }}{to} }}'


def accounts_conf(orgs: Sequence[Organisation], *, source: str) -> str:
    """The ``accounts {}`` block for ``orgs`` (included by deploy/nats/single.conf and cluster.conf)."""
    header = (
        f"# GENERATED by `linkage nats-config` from {source}: do not edit; run it again when organisations change.\n"
        '# Who may do what: deploy/README.md, "Who may do what on NATS"; why: services/platform/nats_config.py.\n'
        "# Passwords are read from the server's environment ($<USER>_PASSWORD); it refuses to start without one.\n\n"
    )
    deny = f"OUTSIDER_DURABLES = [\n{_quoted(outsider_deny(orgs), 2)}\n]\n\n"
    platform_users = [
        _user(
            service, publish=service_allow(service), subscribe=[f"{inbox_prefix(service)}.>"], deny="OUTSIDER_DURABLES"
        )
        for service in SERVICES
    ]
    platform_users.append(_user(PROVISION, publish=provision_allow(orgs), subscribe=[f"{inbox_prefix(PROVISION)}.>"]))
    exports = [_export(REPORT_SUBJECT, None, SMARTCITY)]
    exports += [_export(subject, response, org.user) for org in orgs for subject, response in outsider_exports(org)]
    blocks = [
        f"  {PLATFORM_ACCOUNT} {{\n    jetstream: enabled\n    users: [\n" + "\n".join(platform_users) + "\n    ]\n"
        "    exports: [\n" + "\n".join(exports) + "\n    ]\n  }"
    ]
    blocks.append(_outsider_account(SMARTCITY, [REPORT_SUBJECT]))
    blocks += [_outsider_account(org.user, [s for s, _ in outsider_exports(org)]) for org in orgs]
    return header + deny + "accounts {\n" + "\n".join(blocks) + "\n}\n"


def _outsider_account(name: str, subjects: Sequence[str]) -> str:
    user = _user(name, publish=[local_subject(subject) for subject in subjects], subscribe=["_INBOX.>"])
    imports = "\n".join(_import(subject) for subject in subjects)
    return f'  "{name}" {{\n    users: [\n{user}\n    ]\n    imports: [\n{imports}\n    ]\n  }}'


def generated_passwords(orgs: Iterable[Organisation]) -> dict[str, str]:
    """A fresh random password per user, by variable name: for ``linkage up``'s own NATS."""
    return {password_variable(user): secrets.token_hex(24) for user in users(orgs)}


def organisation_durable(org: Organisation) -> api.ConsumerConfig:
    """An organisation's durable: pull only (no ``deliver_subject``), its own tasks, explicit acks."""
    return api.ConsumerConfig(
        name=org.user,
        durable_name=org.user,
        filter_subject=org.filter_subject,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        max_ack_pending=1000,
    )


async def provision(js: JetStreamContext, orgs: Iterable[Organisation], *, replicas: int) -> None:
    """As the ``provision`` user: the platform streams, and every organisation's durable as declared (a durable
    found with other settings, e.g. a push ``deliver_subject``, is deleted and made again)."""
    await reconcile_streams(js, replicas=replicas)
    for org in orgs:
        desired = organisation_durable(org)
        try:
            current = (await js.consumer_info(TASK_STREAM, org.user)).config
        except NotFoundError:
            await js.add_consumer(TASK_STREAM, desired)
            continue
        if current.deliver_subject or current.filter_subject != org.filter_subject:
            await js.delete_consumer(TASK_STREAM, org.user)
            await js.add_consumer(TASK_STREAM, desired)


def read_register(source: str, *, token: str | None = None) -> dict[str, Any]:
    """The register from a file (an export, or ``{"organisations": [...]}``) or catalog's base URL."""
    if source.startswith(("http://", "https://")):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{source.rstrip('/')}/catalogue/export"
        response = httpx.get(url, params={"format": "json"}, headers=headers, timeout=60, trust_env=False)
        if response.status_code != 200:
            raise PlatformError(f"{url} answered {response.status_code}: {response.text[:300]}")
        found: dict[str, Any] = response.json()
        return found
    try:
        loaded: dict[str, Any] = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PlatformError(f"cannot read the register {source}: {error}") from error
    return loaded
