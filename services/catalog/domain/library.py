"""依据库: the legal basis library (laws, regulations, rules, normative documents and their clauses) and the
organisations duties are assigned to. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.base import CODE_PATTERN
from services.catalog.domain.door import Grounds
from services.catalog.domain.items import Citation, GridSpec, ItemSpec, citations
from services.runtime.errors import Rejected


class LawKind(StrEnum):
    LAW = "law"  # 法律
    REGULATION = "regulation"  # 法规
    RULE = "rule"  # 规章
    NORMATIVE = "normative"  # 规范性文件


class LawStatus(StrEnum):
    IN_FORCE = "in_force"  # 现行有效
    AMENDED = "amended"  # 已修订
    REPEALED = "repealed"  # 已废止


class LawSpec(BaseModel):
    """A legal document as the library records it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    law_id: str = Field(pattern=CODE_PATTERN, description="Library id of the document")
    title: str = Field(min_length=1, max_length=300, description="Title (名称)")
    kind: LawKind = Field(description="Law, regulation, rule or normative document")
    issuer: str = Field(min_length=1, max_length=200, description="Issuing body (制定机关)")
    effective_from: date = Field(description="In force since (施行日期)")
    status: LawStatus = Field(default=LawStatus.IN_FORCE, description="In force, amended or repealed")


class ClauseSpec(BaseModel):
    """法条: one article (条), or one paragraph (款) of it, with its text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    law_id: str = Field(pattern=CODE_PATTERN, description="Document the clause belongs to")
    article: str = Field(min_length=1, max_length=50, description="Article, e.g. 第十二条")
    paragraph: str = Field(default="", max_length=50, description="Paragraph, e.g. 第二款; empty for the whole article")
    text: str = Field(min_length=1, max_length=10000, description="Clause text")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.law_id, self.article, self.paragraph)


@dataclass(frozen=True)
class Law:
    """A legal document in the library, at its current revision."""

    law_id: str
    title: str
    kind: LawKind
    issuer: str
    status: LawStatus
    effective_from: date
    revision: int


@dataclass(frozen=True)
class Clause:
    """A clause in the library: in force or not (amended away, renumbered, repealed), and the revision that set it."""

    law_id: str
    article: str
    paragraph: str
    text: str
    in_force: bool
    revision: int


@dataclass(frozen=True)
class ItemCitation:
    """One citation by an item in force (照法条找事项), with the item as it now stands."""

    item: ItemSpec
    citation: Citation


@dataclass(frozen=True)
class CitingItem:
    """An item citing a law: which of its clauses, and the texts of the tasks that cite them."""

    item_code: str
    name: str
    citations: tuple[Citation, ...]
    tasks: tuple[str, ...]


def citing(found: Iterable[ItemCitation], *, article: str | None, paragraph: str | None) -> list[CitingItem]:
    """照法条找事项: the items citing the law (or only ``article``, or its ``paragraph`` or the article whole), by
    item code, each citation and citing task once, in the order found."""
    cited: dict[str, list[Citation]] = {}
    items: dict[str, ItemSpec] = {}
    for hit in found:
        _, _, hit_article, hit_paragraph = hit.citation
        if (article and hit_article != article) or (paragraph is not None and hit_paragraph not in (paragraph, "")):
            continue
        items.setdefault(hit.item.item_code, hit.item)
        cited.setdefault(hit.item.item_code, []).append(hit.citation)
    return [_citing_item(items[code], cited[code]) for code in sorted(cited)]


def _citing_item(item: ItemSpec, cited: list[Citation]) -> CitingItem:
    tasks = dict.fromkeys(item.tasks[task_no - 1].text for task_no, *_ in cited if task_no)
    return CitingItem(item.item_code, item.name, tuple(cited), tuple(tasks))


class OrgKind(StrEnum):
    DEPARTMENT = "department"  # 区直部门
    STREET = "street"  # 街道
    AGENCY = "agency"  # 派驻机构
    COMMUNITY = "community"  # 社区


class OrgSpec(BaseModel):
    """An organisation duties name: department, street, dispatched agency or community."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=CODE_PATTERN, description="Organisation code")
    name: str = Field(min_length=1, max_length=200, description="Name")
    kind: OrgKind = Field(description="Department, street, agency or community")
    parent_code: str | None = Field(default=None, pattern=CODE_PATTERN, description="Parent, e.g. a community's street")


def check_organisations(orgs: list[OrgSpec], known: Iterable[str]) -> None:
    """No dangling parent and no cycle; the error names the row (``organisations.<n>.parent_code``)."""
    parents = {o.code: o.parent_code for o in orgs}
    existing = set(known) | set(parents)
    for index, org in enumerate(orgs):
        if org.parent_code is not None and org.parent_code not in existing:
            raise Rejected(
                f"parent {org.parent_code!r} of {org.code!r} is no known organisation",
                field=f"organisations.{index}.parent_code",
            )
        seen, code = {org.code}, org.parent_code
        while code is not None and code in parents:
            if code in seen:
                raise Rejected(
                    f"organisation {org.code!r} is its own ancestor", field=f"organisations.{index}.parent_code"
                )
            seen.add(code)
            code = parents[code]


def check_citations(
    items: list[ItemSpec], clauses: Mapping[tuple[str, str, str], bool], *, only: set[str] | None = None
) -> None:
    """Every clause an item cites is in the library and in force; the error names the item row and the field.

    ``clauses`` maps (law_id, article, paragraph) to whether it is in force; citing an article whole is fine
    when the library holds only its paragraphs. ``only`` limits the check to the items a load adds or changes,
    so that re-importing an export still works after a law it cites was repealed (adjustments handle those).
    """
    articles = {(law, article) for law, article, _ in clauses}
    for index, item in enumerate(items):
        if only is not None and item.item_code not in only:
            continue  # an unchanged item keeps the citations it was accepted with
        for task_no, law, article, paragraph in sorted(citations(item)):
            where = "legal_basis" if task_no == 0 else f"tasks.{task_no - 1}.basis"
            found = clauses.get((law, article, paragraph))
            if found is None and not (paragraph == "" and (law, article) in articles):
                raise Rejected(
                    f"{law} {article}{paragraph} is not in the basis library (依据库)", field=f"items.{index}.{where}"
                )
            if found is False:
                raise Rejected(f"{law} {article}{paragraph} is repealed", field=f"items.{index}.{where}")


def affected(changed: set[tuple[str, str, str]], cited: Iterable[tuple[str, Citation]]) -> dict[str, set[Citation]]:
    """一对一: which items cite a changed clause (an article cited whole is touched by any of its paragraphs)."""
    changed_articles = {(law, article) for law, article, _ in changed}
    hits: dict[str, set[Citation]] = {}
    for item_code, (task_no, law, article, paragraph) in cited:
        whole = paragraph == "" and (law, article) in changed_articles
        if (law, article, paragraph) in changed or (law, article, "") in changed or whole:
            hits.setdefault(item_code, set()).add((task_no, law, article, paragraph))
    return hits


class CatalogueLoad(Grounds):
    """导入清单: a whole load (basis library, organisations, grids, items) that applies entirely or not at all.

    Items and grids not named stay as they are; laws and clauses already in the library must be changed
    through a law change (一对一调整), not by loading them again with other text. A load that widens street
    duties on a catalogue that has a version cites its grounds (``Grounds``: an approved application or an
    emergency reason, ``domain.door``); the first load into an empty catalogue is the founding list.
    """

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="Why this load (e.g. 第二轮部门报送)")
    effective_from: date | None = Field(default=None, description="When the new version takes effect; today if absent")
    laws: list[LawSpec] = Field(default=[], max_length=20000)
    clauses: list[ClauseSpec] = Field(default=[], max_length=50000)
    organisations: list[OrgSpec] = Field(default=[], max_length=20000)
    items: list[ItemSpec] = Field(default=[], max_length=20000)
    grids: list[GridSpec] = Field(default=[], max_length=20000)


def check_library(
    load: CatalogueLoad, *, known_laws: set[str], existing_texts: Mapping[tuple[str, str, str], str]
) -> None:
    """Laws once each; clauses once each, of a law in the library or the load, never rewriting one in place."""
    law_ids = set(known_laws)
    for index, law in enumerate(load.laws):
        if law.law_id in law_ids - known_laws:
            raise Rejected(f"law {law.law_id} appears twice in this load", field=f"laws.{index}.law_id")
        law_ids.add(law.law_id)
    seen: set[tuple[str, str, str]] = set()
    for index, clause in enumerate(load.clauses):
        where = f"clauses.{index}"
        if clause.key in seen:
            raise Rejected(f"clause {clause.law_id} {clause.article}{clause.paragraph} appears twice", field=where)
        seen.add(clause.key)
        if clause.law_id not in law_ids:
            raise Rejected(f"clause of unknown law {clause.law_id}", field=f"{where}.law_id")
        old = existing_texts.get(clause.key)
        if old is not None and old != clause.text:
            raise Rejected("the library holds this clause with other text: record a law change", field=f"{where}.text")
