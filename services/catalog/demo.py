"""演示数据: a catalogue shaped like Longsha's (DOMAIN.md figures), generated deterministically from a seed.

494 legal documents (172 laws/regulations/rules and 225 normative documents cited, 97 uncited), 693 cited
clauses, 112 reference items (25 of them devolved penalty powers on the power list, 行政权力清单) with 389
department and 333 street tasks, 21 differentiated items with 99 + 74 tasks, 5 streets with their three
dispatched agencies each, 20 departments and 363 grids. ``demo_catalogue()`` is the load; tests count from
it independently (``citing_items``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from contracts.base import TimeLimit, TimeUnit
from contracts.events.catalog import ClauseRef, DutyTask, ListKind, TaskParty
from services.catalog.domain.items import GridSpec, ItemSpec
from services.catalog.domain.library import CatalogueLoad, ClauseSpec, LawKind, LawSpec, OrgKind, OrgSpec
from services.catalog.sheets.form import chinese

SEED = 1466
NOTE = "龙沙区街道职责清单参考目录（演示数据）"
FIGURES = {"laws": 494, "cited_lawlike": 172, "cited_normative": 225, "cited_clauses": 693, "grids": 363}
FIGURES |= {"reference_items": 112, "reference_department_tasks": 389, "reference_street_tasks": 333}
FIGURES |= {"differentiated_items": 21, "differentiated_department_tasks": 99, "differentiated_street_tasks": 74}
FIGURES |= {"power_items": 25}
STREETS = {
    "wulong": "五龙街道",
    "hubin": "湖滨街道",
    "jiangan": "江安街道",
    "caihong": "彩虹街道",
    "nanhang": "南航街道",
}
DEPARTMENTS = {
    "cgj": "区城市管理局", "scjg": "区市场监督管理局", "sthjj": "区生态环境分局", "mzj": "区民政局",
    "jtysj": "区交通运输局", "nyncj": "区农业农村局", "zrzyj": "区自然资源分局", "sfj": "区司法局",
    "ysj": "区营商环境建设局", "wjj": "区卫生健康局", "yjglj": "区应急管理局", "zjj": "区住房和城乡建设局",
    "jyj": "区教育局", "rsj": "区人力资源和社会保障局", "gafj": "公安龙沙分局", "tyj": "区退役军人事务局",
    "wlj": "区文化广电和旅游局", "slj": "区水务局", "ybj": "区医疗保障局", "jsx": "区计生协",
}  # fmt: skip
AGENCIES = {"sfs": ("司法所", "sfj"), "scjgs": ("市场监管所", "scjg"), "cgzd": ("城管中队", "cgj")}
"""派驻机构 of each street: name suffix and the department that dispatches it (its parent)."""

# (domain, responsible department, co-operating departments, law topics, items; "!" marks a devolved penalty)
REFERENCE = [
    ("城市管理", "cgj", ("zjj", "scjg"), ("市容和环境卫生", "城市绿化", "户外广告设施", "生活垃圾分类", "城市道路"),
     "门前三包责任制落实 !占道经营处罚 !乱贴乱画处罚 !违规倾倒建筑垃圾处罚 流动摊贩疏导管理 户外广告设置监管 "
     "生活垃圾分类投放指导 背街小巷环境整治 !损毁城市绿地处罚 冬季清冰雪 城市照明设施巡查 "
     "!违规晾晒处罚 !违法建设处罚 餐厨垃圾收运监管 !露天烧烤处罚 公共厕所管理 井盖设施隐患排查 "
     "!车辆带泥上路处罚 城市家具维护 老旧小区环境提升"),
    ("市场监管", "scjg", ("wjj", "gafj"), ("食品安全", "产品质量", "价格", "广告", "特种设备安全"),
     "!无照经营处罚 食品小作坊登记 小餐饮食品安全巡查 !超范围经营处罚 农贸市场秩序管理 "
     "价格公示检查 !虚假广告处罚 特种设备安全巡查 消费投诉受理 校园周边食品安全整治 "
     "!过期食品销售处罚 !计量器具违规使用处罚 !未明码标价处罚 电梯安全隐患排查"),
    ("安全生产", "yjglj", ("zjj", "gafj"), ("安全生产", "消防", "危险化学品安全", "自然灾害防治"),
     "九小场所安全检查 !未落实安全生产责任处罚 燃气使用安全宣传 有限空间作业排查 "
     "防汛抗旱应急准备 森林草原防火 !电动自行车违规充电处罚 高层建筑消防巡查 "
     "应急避难场所管理 安全生产隐患举报受理 !占用消防通道处罚 人员密集场所安全检查"),
    ("生态环境", "sthjj", ("cgj", "nyncj"), ("环境保护", "大气污染防治", "水污染防治", "噪声污染防治"),
     "!露天焚烧垃圾处罚 秸秆禁烧巡查 !社会生活噪声处罚 散煤燃烧管控 河湖水环境巡查 "
     "!施工扬尘污染处罚 !餐饮油烟超标处罚 入河排污口排查 固体废物非法倾倒排查 环境信访处理"),
    ("民政", "mzj", ("rsj", "wjj"), ("社会救助", "养老服务", "殡葬管理", "社区治理"),
     "最低生活保障申请受理 特困人员供养 临时救助 居家养老服务补贴 高龄津贴发放 "
     "困境儿童关爱 残疾人两项补贴 殡葬改革宣传 社区社会组织培育 婚姻登记引导"),
    ("住房建设", "zjj", ("cgj", "yjglj"), ("物业管理", "城市房地产管理", "建筑市场"),
     "物业服务企业监督 老旧小区改造 !违规装修处罚 既有住宅加装电梯 公共租赁住房管理 "
     "!建筑工地不文明施工处罚 房屋安全隐患排查 住宅专项维修资金使用"),
    ("卫生健康", "wjj", ("scjg", "jyj"), ("基本医疗卫生", "传染病防治", "母婴保健", "人口与计划生育"),
     "爱国卫生运动 传染病疫情报告 !公共场所卫生处罚 家庭医生签约 计划生育服务 "
     "老年人健康管理 病媒生物防制 控烟宣传"),
    ("人力社保", "rsj", ("ysj", "mzj"), ("就业促进", "社会保险", "劳动保障监察"),
     "就业困难人员援助 灵活就业社保登记 劳动用工监察 根治欠薪线索排查 城乡居民养老保险 公益性岗位管理"),
    ("公共安全", "gafj", ("sfj", "cgj"), ("治安管理", "道路交通安全", "反有组织犯罪"),
     "流动人口登记 出租房屋治安管理 群防群治队伍建设 !违规停车处罚 平安建设宣传 重点人员稳控"),
    ("教育", "jyj", ("wjj", "gafj"), ("义务教育", "未成年人保护", "学前教育"),
     "控辍保学 校外培训机构巡查 未成年人保护 托育机构监管"),
    ("退役军人", "tyj", ("mzj", "rsj"), ("退役军人保障", "优抚"), "退役军人信息采集 优抚对象走访 光荣牌悬挂 双拥工作"),
    ("文化旅游", "wlj", ("scjg", "gafj"), ("公共文化服务", "文物保护", "旅游"),
     "公共文化场所管理 网吧娱乐场所巡查 不可移动文物巡查 群众文化活动组织"),
    ("司法", "sfj", ("gafj", "mzj"), ("人民调解", "法治宣传教育", "社区矫正"),
     "人民调解 社区矫正对象管理 安置帮教 法治宣传教育 法律援助申请受理 公共法律服务"),
]  # fmt: skip
DIFFERENTIATED = [
    ("民政", "mzj", ("wjj",), ("社区治理", "社会救助"),
     "社区养老服务站运营 老年食堂运营 农村留守老人关爱 流浪乞讨人员救助 社区综合服务设施管理 慈善超市运营"),
    ("交通", "jtysj", ("gafj", "cgj"), ("公路", "道路运输"),
     "农村公路养护 公交站点维护 非法营运巡查 道路运输安全检查 客运站周边秩序"),
    ("农业农村", "nyncj", ("zrzyj", "sthjj"), ("农产品质量安全", "动物防疫", "耕地保护"),
     "动物防疫 农产品质量安全巡查 高标准农田管护 农村人居环境整治 农业面源污染防治"),
    ("自然资源", "zrzyj", ("nyncj", "cgj"), ("土地管理", "城乡规划", "矿产资源"),
     "违法占地巡查 耕地保护巡查 地质灾害隐患巡查 非法采砂巡查 城乡规划公示"),
]  # fmt: skip
DEPARTMENT_TASKS = (
    "负责{n}的统筹协调，制定工作规范和标准",
    "对街道开展{n}进行业务指导和培训",
    "受理街道上报的{n}问题，在时限内处置并反馈",
    "组织开展{n}专项检查和督导考核",
    "依法查处{n}中发现的违法行为",
    "汇总分析{n}数据，定期向区政府报告",
)
STREET_TASKS = (
    "开展{n}日常巡查，建立工作台账",
    "发现{n}相关问题及时劝导制止，并报告主管部门",
    "配合主管部门做好{n}宣传引导",
    "组织社区、网格员做好{n}信息采集和上报",
    "协助做好{n}相关矛盾纠纷排查化解",
)
ACCOUNTABILITY = (
    "不按清单履行职责的",
    "推诿扯皮、敷衍塞责的",
    "擅自将职责事项转嫁给街道的",
    "未在规定时限内办结的",
    "办理结果不符合要求、群众反映强烈的",
    "弄虚作假、虚报工作情况的",
    "拒不响应街道吹哨报到的",
)
LIMITS = ((5, "working_day"), (3, "working_day"), (10, "working_day"), (24, "working_hour"), (15, "natural_day"))
Domain = tuple[str, str, tuple[str, ...], tuple[str, ...], str]
Slot = tuple[int, int]
"""(item index, task number): 0 is the item's own basis."""


def demo_catalogue(seed: int = SEED) -> CatalogueLoad:
    rng = random.Random(seed)
    plans = _plan_items(rng)
    laws, clauses, cited = _library(rng, plans)
    items = [_item(rng, index, plan, cited) for index, plan in enumerate(plans)]
    return CatalogueLoad(
        note=NOTE, laws=laws, clauses=clauses, organisations=organisations(), items=items, grids=grids()
    )


def organisations() -> list[OrgSpec]:
    orgs = [OrgSpec(code=c, name=n, kind=OrgKind.DEPARTMENT) for c, n in DEPARTMENTS.items()]
    orgs += [OrgSpec(code=c, name=n, kind=OrgKind.STREET) for c, n in STREETS.items()]
    for street, name in STREETS.items():
        for suffix, (kind, parent) in AGENCIES.items():
            agency = OrgSpec(code=f"{street}-{suffix}", name=name[:2] + kind, kind=OrgKind.AGENCY, parent_code=parent)
            orgs.append(agency)
    return orgs


def grids() -> list[GridSpec]:
    per_street = _spread(FIGURES["grids"], len(STREETS), lo=0, hi=FIGURES["grids"], rng=None)
    return [
        GridSpec(grid_code=f"{street}-wg{n:03d}", street_code=street)
        for street, count in zip(STREETS, per_street, strict=True)
        for n in range(1, count + 1)
    ]


class _Plan:
    """One item before its citations are known: who, what, how many tasks of each party."""

    def __init__(self, code: str, name: str, kind: ListKind, domain: Domain, tasks: tuple[int, int]) -> None:
        self.code, self.name, self.kind, self.domain, self.tasks = code, name, kind, domain, tasks
        self.slots = 1 + tasks[0] + tasks[1]


_CODES = {ListKind.COMMON: "GX", ListKind.POWER: "QL", ListKind.DIFFERENTIATED: "CY"}
"""Item code infixes: 共性, 权力, 差异."""


def _plan_items(rng: random.Random) -> list[_Plan]:
    plans: list[_Plan] = []
    for domains, base, (dept_total, street_total) in (
        (REFERENCE, ListKind.COMMON, (389, 333)),
        (DIFFERENTIATED, ListKind.DIFFERENTIATED, (99, 74)),
    ):
        names = [(domain, name) for domain in domains for name in domain[4].split()]
        depts = _spread(dept_total, len(names), lo=1, hi=len(DEPARTMENT_TASKS), rng=rng)
        streets = _spread(street_total, len(names), lo=1, hi=len(STREET_TASKS), rng=rng)
        for number, ((domain, name), d, s) in enumerate(zip(names, depts, streets, strict=True), start=1):
            kind = ListKind.POWER if name.startswith("!") else base
            code = f"LS-{_CODES[kind]}-{number:03d}"
            plans.append(_Plan(code, name.lstrip("!"), kind, domain, (d, s)))
    return plans


def _spread(total: int, n: int, *, lo: int, hi: int, rng: random.Random | None) -> list[int]:
    """``total`` over ``n`` buckets, each in [lo, hi]: even when ``rng`` is None, else shuffled by it."""
    counts = [lo] * n
    order = list(range(n))
    left = total - lo * n
    while left:
        if rng is not None:
            rng.shuffle(order)
        for index in order:
            if left and counts[index] < hi:
                counts[index] += 1
                left -= 1
    return counts


def _library(rng: random.Random, plans: list[_Plan]) -> tuple[list[LawSpec], list[ClauseSpec], dict[Slot, ClauseRef]]:
    """Laws per domain in proportion to the citations the domain needs; each domain's slots walk its clauses
    in order, so every cited clause is cited at least once and items cite their own domain's laws."""
    domains = list(dict.fromkeys(p.domain[0] for p in plans))
    need = {d: sum(p.slots for p in plans if p.domain[0] == d) for d in domains}
    law_counts = _apportion(FIGURES["cited_lawlike"] + FIGURES["cited_normative"], need)
    clause_counts = _apportion(FIGURES["cited_clauses"], need)
    kinds = [True] * FIGURES["cited_lawlike"] + [False] * FIGURES["cited_normative"]
    rng.shuffle(kinds)
    laws: list[LawSpec] = []
    clauses: list[ClauseSpec] = []
    cited: dict[Slot, ClauseRef] = {}
    seen: set[str] = set()
    for domain in domains:
        topics = next(p.domain[3] for p in plans if p.domain[0] == domain)
        held: list[ClauseSpec] = []
        for count in _spread(clause_counts[domain], law_counts[domain], lo=1, hi=10**6, rng=rng):
            law = _law(rng, len(laws) + 1, rng.choice(topics), lawlike=kinds[len(laws)], seen=seen)
            laws.append(law)
            held += _clauses(rng, law, count, topics)
        slots = [(i, t) for i, p in enumerate(plans) if p.domain[0] == domain for t in range(p.slots)]
        titles = {law.law_id: law.title for law in laws}
        for j, slot in enumerate(slots):
            clause = held[j * len(held) // len(slots)]
            cited[slot] = ClauseRef(
                law_id=clause.law_id, law_title=titles[clause.law_id], article=clause.article,
                paragraph=clause.paragraph or None,
            )  # fmt: skip
        clauses += held
    for _ in range(FIGURES["laws"] - len(laws)):  # the library also holds documents no item cites
        topics = rng.choice(REFERENCE)[3]
        law = _law(rng, len(laws) + 1, rng.choice(topics), lawlike=rng.random() < 0.5, seen=seen)
        laws.append(law)
        clauses += _clauses(rng, law, 1, topics)
    return laws, clauses, cited


def _apportion(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest remainder: shares of ``total`` in proportion to ``weights``, each at least 1."""
    whole = sum(weights.values())
    shares = {k: max(1, total * w // whole) for k, w in weights.items()}
    by_remainder = sorted(weights, key=lambda k: -(total * weights[k] % whole))
    for key in _cycle(by_remainder, total - sum(shares.values())):
        shares[key] += 1
    return shares


def _cycle(keys: list[str], times: int) -> Iterator[str]:
    for n in range(times):
        yield keys[n % len(keys)]


_ISSUERS = {
    LawKind.LAW: ("中华人民共和国{t}法", "全国人民代表大会常务委员会"),
    LawKind.REGULATION: ("黑龙江省{t}条例", "黑龙江省人民代表大会常务委员会"),
    LawKind.RULE: ("齐齐哈尔市{t}管理办法", "齐齐哈尔市人民政府"),
    LawKind.NORMATIVE: ("关于进一步加强{t}工作的通知", "龙沙区人民政府办公室"),
}


def _law(rng: random.Random, number: int, topic: str, *, lawlike: bool, seen: set[str]) -> LawSpec:
    kind = rng.choice((LawKind.LAW, LawKind.REGULATION, LawKind.RULE)) if lawlike else LawKind.NORMATIVE
    title, issuer = _ISSUERS[kind]
    since = date(1995, 1, 1) + timedelta(days=rng.randrange(28 * 365))
    title = title.format(t=topic)
    if kind is LawKind.NORMATIVE:  # notices share titles; their document number (文号) tells them apart
        title += f"（龙政办发〔{since.year}〕{number % 97 + 1}号）"
    elif title in seen:  # a law kept in several revisions
        revised = f"{title}（{since.year}年修正）"
        title = revised if revised not in seen else f"{title}（第{chinese(number)}版）"
    seen.add(title)
    return LawSpec(law_id=f"LS-L{number:04d}", title=title, kind=kind, issuer=issuer, effective_from=since)


def _clauses(rng: random.Random, law: LawSpec, count: int, topics: tuple[str, ...]) -> list[ClauseSpec]:
    articles = sorted(rng.sample(range(1, 90), count))
    return [
        ClauseSpec(
            law_id=law.law_id,
            article=f"第{chinese(a)}条",
            paragraph=f"第{chinese(rng.randint(1, 3))}款" if rng.random() < 0.3 else "",
            text=f"街道办事处应当按照职责分工，做好本辖区{rng.choice(topics)}相关工作；"
            f"区人民政府有关部门应当加强指导、监督和保障（第{chinese(a)}条）。",
        )
        for a in articles
    ]


def _item(rng: random.Random, index: int, plan: _Plan, cited: dict[Slot, ClauseRef]) -> ItemSpec:
    _, department, partners, _, _ = plan.domain
    depts, streets = plan.tasks
    texts = [(TaskParty.DEPARTMENT, t) for t in _pick(rng, DEPARTMENT_TASKS, depts)]
    texts += [(TaskParty.STREET, t) for t in _pick(rng, STREET_TASKS, streets)]
    tasks = tuple(
        DutyTask(party=party, text=text.format(n=plan.name), basis=(cited[(index, number)],))
        for number, (party, text) in enumerate(texts, start=1)
    )
    value, unit = rng.choice(LIMITS)
    applies = rng.sample(list(STREETS), rng.randint(1, 3)) if plan.kind is ListKind.DIFFERENTIATED else []
    return ItemSpec(
        item_code=plan.code,
        name=plan.name,
        list_kind=plan.kind,
        domain=plan.domain[0],
        responsible_body=department,
        co_operating_units=partners[: rng.randint(1, len(partners))],
        street_codes=tuple(s for s in STREETS if s in applies),
        time_limit=TimeLimit(value=value, unit=TimeUnit(unit)),
        legal_basis=(cited[(index, 0)],),
        tasks=tasks,
        filing_conditions=f"网格员巡查发现或群众反映{plan.name}相关问题，经核实属于本事项范围的，予以立案",
        closing_conditions="问题已按要求处置完毕，经街道核查合格并反馈当事人的，予以结案",
        accountability=_pick(rng, ACCOUNTABILITY, rng.randint(1, 3)),
    )


def _pick(rng: random.Random, choices: tuple[str, ...], count: int) -> tuple[str, ...]:
    """``count`` of ``choices``, kept in their listed order (tasks read in the order work is done)."""
    return tuple(choices[k] for k in sorted(rng.sample(range(len(choices)), count)))


def citing_items(
    load: CatalogueLoad, law_id: str, article: str | None = None, paragraph: str | None = None
) -> set[str]:
    """Items citing a law (or one article, or one paragraph), by plain iteration: the independent count that
    tests hold the service's impact tracing against."""
    hits: set[str] = set()
    for item in load.items:
        refs = list(item.legal_basis) + [ref for task in item.tasks for ref in task.basis]
        for ref in refs:
            if ref.law_id == law_id and article in (None, ref.article) and paragraph in (None, ref.paragraph):
                hits.add(item.item_code)
    return hits
