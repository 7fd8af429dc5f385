"""Rules checked across rows before anything is loaded, so one upload reports every bad reference at once
(the service checks the same rules again in its transaction, where they stop at the first)."""

from __future__ import annotations

from collections.abc import Mapping

from services.catalog.domain.items import ItemSpec, citations
from services.catalog.sheets.origins import Origins, locate
from services.catalog.sheets.table import RowError


def check_citations(
    items: list[ItemSpec], clauses: Mapping[tuple[str, str, str], bool], origins: Origins, errors: list[RowError]
) -> None:
    """Each cited clause is in the form or the library, and in force (an article may be cited whole when only
    its paragraphs are held)."""
    articles = {(law, article) for law, article, _ in clauses}
    for index, item in enumerate(items):
        for task_no, law, article, paragraph in sorted(citations(item)):
            found = clauses.get((law, article, paragraph))
            field = f"items.{index}.legal_basis" if task_no == 0 else f"items.{index}.tasks.{task_no - 1}.basis"
            if found is None and not (paragraph == "" and (law, article) in articles):
                reason = f"{law} {article}{paragraph} is neither in the 法律依据 sheet nor in the library (依据库)"
                errors.append(locate(field, reason, origins, fallback_sheet=""))
            elif found is False:
                errors.append(locate(field, f"{law} {article}{paragraph} is repealed", origins, fallback_sheet=""))


def check_parties(items: list[ItemSpec], registered: frozenset[str], origins: Origins, errors: list[RowError]) -> None:
    """Once the district keeps an organisation register, items may name only organisations in it."""
    if not registered:
        return
    for index, item in enumerate(items):
        named = [
            ("responsible_body", item.responsible_body),
            *(("co_operating_units", c) for c in item.co_operating_units),
            *(("street_codes", c) for c in item.street_codes),
        ]
        for field, code in named:
            if code not in registered:
                reason = f"{code!r} is no registered organisation (组织机构)"
                errors.append(locate(f"items.{index}.{field}", reason, origins, fallback_sheet=""))
