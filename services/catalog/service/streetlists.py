"""一街一单 use cases: a street claims and submits, the office reviews, files (备案) and publishes; the public reads.

Each use case is one transaction holding the street's advisory lock, its audit row and, on publication,
the ``StreetListPublished`` event dispatch routes by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.events.catalog import StreetListPublished
from services.catalog.domain import streetlists as rules
from services.catalog.domain.items import ItemSpec, today
from services.catalog.domain.streetlists import PublishedRevision, Status, StreetList
from services.catalog.store.items import CatalogStore
from services.catalog.store.streetlists import StreetListStore
from services.runtime.errors import Conflict, NotFound
from services.runtime.uow import UnitOfWork


async def claim_items(uow: UnitOfWork, street_code: str, item_codes: Sequence[str]) -> StreetList:
    """认领事项: set the items of the street's working revision (a new draft once one is published)."""
    async with uow:
        store = await _locked(uow, street_code)
        current = await store.latest(street_code)
        claimed = rules.claim(current, street_code, item_codes)
        await _check_in_force(uow, claimed)
        return await _record(uow, store, current, claimed, action="claim")


async def reopen_for_filing(uow: UnitOfWork, street_codes: Sequence[str], item_code: str, *, drop: bool) -> None:
    """重新备案, inside the caller's transaction (an approval's): each affected street's list opens a new draft."""
    note = f"准入: {item_code} {'removed from' if drop else 'added to or changed in'} the catalogue; re-file (重新备案)"
    for street_code in sorted(set(street_codes)):
        store = await _locked(uow, street_code)
        current = await store.latest(street_code)
        reopened = rules.reopen(current, item_code, drop=drop, note=note)
        if reopened is not None:
            await _save(uow, store, current, reopened, action="reopen")


async def submit_list(uow: UnitOfWork, street_code: str) -> StreetList:
    async with uow:
        store = await _locked(uow, street_code)
        current = await _current(store, street_code)
        submitted = rules.submit(current)
        await _check_in_force(uow, submitted)
        return await _record(uow, store, current, submitted, action="submit")


async def review_list(uow: UnitOfWork, street_code: str, *, approve: bool, comments: str | None) -> StreetList:
    """审核: approve against the catalogue version in force, or return with comments."""
    async with uow:
        store = await _locked(uow, street_code)
        current = await _current(store, street_code)
        if not approve:
            return await _record(
                uow, store, current, rules.send_back(current, comments=comments or ""), action="return"
            )
        rules.move(current, rules.Action.APPROVE)  # a state conflict first, before any item check
        await _check_in_force(uow, current)
        version = await store.catalogue_version()
        if version is None:
            raise Conflict("the catalogue holds no version yet", field="catalogue_version")
        approved = rules.approve(current, catalogue_version=version, comments=comments)
        return await _record(uow, store, current, approved, action="approve")


async def file_list(uow: UnitOfWork, street_code: str, *, filing_no: str | None) -> StreetList:
    """备案: under the office's filing number, or one numbered by year, street and revision."""
    async with uow:
        store = await _locked(uow, street_code)
        current = await _current(store, street_code)
        number = filing_no or rules.default_filing_no(street_code, current.revision, on=today())
        return await _record(uow, store, current, rules.file(current, filing_no=number), action="file")


async def publish_list(uow: UnitOfWork, street_code: str) -> StreetList:
    """公布: the list goes public and dispatch learns which items the street now answers for."""
    async with uow:
        store = await _locked(uow, street_code)
        current = await _current(store, street_code)
        published = rules.publish(current)
        await _check_in_force(uow, published)  # an item retired since review must not go public
        if published.filing_no is None or published.catalogue_version is None:
            raise Conflict("only an approved, filed list can be published", field="filing_no")
        event = StreetListPublished(
            street_code=street_code,
            revision=published.revision,
            item_codes=published.item_codes,
            filing_no=published.filing_no,
            catalogue_version=published.catalogue_version,
        )
        await uow.emit(event, about=street_code)
        return await _record(uow, store, current, published, action="publish")


async def working_list(uow: UnitOfWork, street_code: str) -> StreetList:
    async with uow:
        return await _current(uow.repository(StreetListStore), street_code)


async def lists_in(uow: UnitOfWork, status: Status) -> list[StreetList]:
    async with uow:
        return await uow.repository(StreetListStore).in_status(status)


async def _locked(uow: UnitOfWork, street_code: str) -> StreetListStore:
    store = uow.repository(StreetListStore)
    await store.lock(street_code)
    return store


async def _current(store: StreetListStore, street_code: str) -> StreetList:
    current = await store.latest(street_code)
    if current is None:
        raise NotFound(f"street {street_code} has claimed no items yet", field="street_code", location="path")
    return current


async def _check_in_force(uow: UnitOfWork, street_list: StreetList) -> None:
    codes = list(street_list.item_codes)
    in_force = await uow.repository(CatalogStore).items_in_force(codes)
    known = await uow.repository(StreetListStore).known_item_codes(set(codes) - set(in_force))
    rules.check_claims(street_list.street_code, codes, in_force=in_force, known=known)


async def _record(
    uow: UnitOfWork, store: StreetListStore, before: StreetList | None, after: StreetList, *, action: str
) -> StreetList:
    await _save(uow, store, before, after, action=action)
    await uow.commit()
    return after


async def _save(
    uow: UnitOfWork, store: StreetListStore, before: StreetList | None, after: StreetList, *, action: str
) -> None:
    await store.save(after, actor=uow.actor)
    await uow.audit(
        action=f"streetlist.{action}",
        entity=f"streetlist:{after.street_code}:{after.revision}",
        before=None if before is None else _audited(before),
        after=_audited(after),
    )


def _audited(street_list: StreetList) -> dict[str, object]:
    return {
        "revision": street_list.revision,
        "status": street_list.status.value,
        "item_codes": list(street_list.item_codes),
        "comments": street_list.comments,
        "filing_no": street_list.filing_no,
        "catalogue_version": street_list.catalogue_version,
    }


@dataclass(frozen=True)
class PublishedList:
    """A street's list as the public sees it (公示): the latest published revision."""

    street_code: str
    street_name: str
    revision: int
    filing_no: str
    catalogue_version: int
    published_at: datetime
    item_codes: tuple[str, ...]
    items: tuple[ItemSpec, ...] = ()
    withdrawn: tuple[str, ...] = ()  # retired since publication
    names: dict[str, str] = field(default_factory=dict)

    def name_of(self, code: str) -> str:
        return self.names.get(code, code)


async def published_lists(uow: UnitOfWork) -> list[PublishedList]:
    async with uow:
        store = uow.repository(StreetListStore)
        rows = await store.published()
        names = await store.organisation_names(row.street_code for row in rows)
    return [_published(row, names) for row in rows]


async def published_list(uow: UnitOfWork, street_code: str, *, as_of: date | None = None) -> PublishedList:
    """The list with its items as in force today (or at the end of ``as_of``): a law change resolved after filing
    (一对一调整) reaches the public at once, and an item retired since publication is shown as withdrawn."""
    async with uow:
        store = uow.repository(StreetListStore)
        rows = await store.published(street_code, as_of=as_of)
        if not rows:
            when = f" on {as_of.isoformat()}" if as_of else ""
            raise NotFound(f"street {street_code} had no published list{when}", field="street_code", location="path")
        in_force = await uow.repository(CatalogStore).items_in_force(list(rows[0].item_codes), as_of=as_of)
        items = tuple(in_force[code] for code in rows[0].item_codes if code in in_force)
        parties = {street_code} | {i.responsible_body for i in items} | {u for i in items for u in i.co_operating_units}
        names = await store.organisation_names(parties)
    withdrawn = tuple(code for code in rows[0].item_codes if code not in in_force)
    return _published(rows[0], names, items=items, withdrawn=withdrawn)


def _published(
    row: PublishedRevision, names: dict[str, str], *, items: tuple[ItemSpec, ...] = (), withdrawn: tuple[str, ...] = ()
) -> PublishedList:
    return PublishedList(
        street_code=row.street_code,
        street_name=names.get(row.street_code, row.street_code),
        revision=row.revision,
        filing_no=row.filing_no,
        catalogue_version=row.catalogue_version,
        published_at=row.published_at,
        item_codes=row.item_codes,
        items=items,
        withdrawn=withdrawn,
        names=names,
    )
