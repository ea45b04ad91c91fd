"""A deterministic year bundle (DESIGN.md §5) for Wuhan — or a province of eleven such cities.

`generate(out, scale="city")` writes units, people, targets (with cascades down to people),
settings, the four year-end sources, a handful of adjustment items (加减分) per city and the year's
transfers: about 5 % of the staff move during the year (some into the strongest and weakest units, a few
main leaders swap units, a few people leave), and a few people join during the year (people.csv `since`).
The year has no public notice (notice_days 0), so publishing makes it final at once. The same seed always
gives the same files.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from mbo.wuhan import DISTRICTS, MUNICIPAL_NAMES

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = (
    "建国 秀英 志强 丽娟 海涛 文静 晓明 红梅 国庆 春华 卫东 玉兰 德胜 桂芳 永刚 淑珍 振华 雪梅 光明 爱华 "
    "立新 凤英 俊杰 慧敏 子涵 思远 嘉怡 浩然 欣怡 宇轩 明辉 婷婷 志刚 海燕 建华 丽萍 伟 敏 静 磊"
).split()
STAFF_POSITIONS = ["处长", "副处长", "科长", "副科长", "一级主任科员", "二级主任科员", "科员", "办事员"]
PEER_CITIES = ["成都市", "杭州市", "南京市", "长沙市", "郑州市", "西安市", "合肥市", "重庆市"]
PROVINCE_CITIES = ["武汉市", "黄石市", "十堰市", "宜昌市", "襄阳市", "鄂州市", "荆门市", "孝感市", "荆州市", "黄冈市"]
VOTER_GROUPS = ["市领导", "人大代表政协委员", "市民代表", "企业代表"]
# Adjustment items (加减分) a year typically brings: points and the reason, as the target office records them.
ADJUSTMENTS = [
    ("1", "获国家级表彰：全国文明城市创建工作先进集体"),
    ("0.5", "改革经验被国务院办公厅通报推广"),
    ("1", "获评国家级营商环境创新试点"),
    ("0.5", "获省级表彰：省级平安建设先进单位"),
    ("-2", "发生重大安全生产事故，被省政府通报"),
    ("-1", "中央环保督察反馈问题整改不力，被省通报"),
    ("-0.5", "重点工作推进迟缓，被市委督查室通报批评"),
]
INTERNAL_DEPARTMENTS = ["办公室", "综合规划处", "政策法规处", "业务一处", "业务二处", "督查考评处"]

# Assessing departments (专项目标考核部门): index of the municipal unit in MUNICIPAL_NAMES.
STATISTICS = MUNICIPAL_NAMES.index("市统计局")
FINANCE = MUNICIPAL_NAMES.index("市财政局")
DEVELOPMENT = MUNICIPAL_NAMES.index("市发展和改革委员会")
ECONOMY = MUNICIPAL_NAMES.index("市经济和信息化局")
AGRICULTURE = MUNICIPAL_NAMES.index("市农业农村局")
HEALTH = MUNICIPAL_NAMES.index("市卫生健康委员会")
EMERGENCY = MUNICIPAL_NAMES.index("市应急管理局")
ORGANISATION = MUNICIPAL_NAMES.index("市委组织部")
REFORM = MUNICIPAL_NAMES.index("市委编办")


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str  # district | municipal
    group: str


@dataclass(frozen=True)
class TargetTemplate:
    title: str
    category: str
    kind: str  # base | stretch | veto
    measure: str  # quantitative | qualitative
    direction: str  # higher | lower
    unit_of_measure: str
    baseline: tuple[float, float]  # range of last year's actual
    growth: float  # agreed = baseline × (1 + growth) for higher; × (1 − growth) for lower
    assessor: int
    additive: bool = True


DISTRICT_TARGETS = [
    TargetTemplate("地区生产总值", "经济发展", "base", "quantitative", "higher", "亿元", (600, 2200), 0.075, STATISTICS),
    TargetTemplate("地方一般公共预算收入", "经济发展", "base", "quantitative", "higher", "亿元", (40, 160), 0.06, FINANCE),
    TargetTemplate("固定资产投资", "经济发展", "base", "quantitative", "higher", "亿元", (300, 1200), 0.10, DEVELOPMENT),
    TargetTemplate("新引进制造业项目（主攻工业）", "主攻工业", "base", "quantitative", "higher", "个", (12, 40), 0.20, ECONOMY),
    TargetTemplate("规模以上工业增加值", "主攻工业", "base", "quantitative", "higher", "亿元", (150, 700), 0.08, ECONOMY),
    TargetTemplate("农村常住居民人均可支配收入", "农村与五个统筹", "base", "quantitative", "higher", "元", (16000, 26000),
                   0.08, AGRICULTURE, additive=False),
    TargetTemplate("贫困村出列", "农村与五个统筹", "base", "quantitative", "higher", "个", (3, 15), 0.30, AGRICULTURE),
    TargetTemplate("PM2.5年均浓度", "农村与五个统筹", "base", "quantitative", "lower", "微克/立方米", (38, 52), 0.05,
                   DEVELOPMENT, additive=False),
    TargetTemplate("人口和计划生育目标", "社会事业", "base", "qualitative", "higher", "", (0, 0), 0, HEALTH),
    TargetTemplate("乡镇（街道）体制改革", "改革", "base", "qualitative", "higher", "", (0, 0), 0, REFORM),
    TargetTemplate("地区生产总值增速达到兄弟城市先进水平", "经济发展", "stretch", "quantitative", "higher", "%",
                   (7.0, 8.5), 0.12, STATISTICS, additive=False),
    TargetTemplate("安全生产亡人事故控制", "一票否决", "veto", "quantitative", "lower", "起", (2, 6), 0.25, EMERGENCY,
                   additive=False),
]
MUNICIPAL_TARGETS = [
    TargetTemplate("服务制造业重点事项", "主攻工业", "base", "quantitative", "higher", "项", (8, 30), 0.25, ECONOMY),
    TargetTemplate("服务企业走访", "主攻工业", "base", "quantitative", "higher", "家", (60, 300), 0.20, ECONOMY),
    TargetTemplate("行政审批办理时限", "改革", "base", "quantitative", "lower", "工作日", (8, 20), 0.20, REFORM,
                   additive=False),
    TargetTemplate("重点项目推进", "经济发展", "base", "quantitative", "higher", "个", (6, 24), 0.15, DEVELOPMENT),
    TargetTemplate("行政管理体制改革任务", "改革", "base", "qualitative", "higher", "", (0, 0), 0, REFORM),
    TargetTemplate("国有企业改革（文化、事业单位改革）", "改革", "base", "qualitative", "higher", "", (0, 0), 0, REFORM),
    TargetTemplate("党风廉政建设和基层党建", "党的建设", "base", "qualitative", "higher", "", (0, 0), 0, ORGANISATION),
    TargetTemplate("为基层和企业办实事", "社会事业", "base", "quantitative", "higher", "件", (20, 80), 0.25, DEVELOPMENT),
    TargetTemplate("政务服务事项网上可办率达到兄弟城市先进水平", "改革", "stretch", "quantitative", "higher", "%",
                   (80, 92), 0.08, REFORM, additive=False),
    TargetTemplate("安全生产与信访稳定", "一票否决", "veto", "qualitative", "higher", "", (0, 0), 0, EMERGENCY),
]
BASE_POINTS = {
    "district": [18, 14, 12, 12, 10, 8, 7, 7, 6, 6],
    "municipal": [20, 14, 12, 12, 12, 10, 10, 10],
}


@dataclass
class Bundle:
    units: list[Unit] = field(default_factory=list)
    people: list[list[str]] = field(default_factory=list)
    targets: list[list[str]] = field(default_factory=list)
    certifications: list[list[str]] = field(default_factory=list)
    ballots: list[list[str]] = field(default_factory=list)
    inspections: list[list[str]] = field(default_factory=list)
    grassroots: list[list[str]] = field(default_factory=list)
    settings: list[list[str]] = field(default_factory=list)
    transfers: list[list[str]] = field(default_factory=list)
    adjustments: list[list[str]] = field(default_factory=list)


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def number(value: float, unit_of_measure: str) -> Decimal:
    places = Decimal("1") if unit_of_measure in {"个", "项", "家", "件", "起", "元", "工作日"} else Decimal("0.1")
    return Decimal(str(value)).quantize(places, ROUND_HALF_UP)


def city_units(prefix: str = "", city: str = "") -> list[Unit]:
    units = [Unit(prefix + code, city + name, "district", "") for code, name in DISTRICTS]
    units += [Unit(f"{prefix}SZ{i:03d}", city + name, "municipal", "") for i, name in enumerate(MUNICIPAL_NAMES, 1)]
    return units


def assessor_code(index: int, prefix: str = "") -> str:
    return f"{prefix}SZ{index + 1:03d}"


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)


def unit_people(unit: Unit, rng: random.Random, names: Names, size: int) -> list[list[str]]:
    district = unit.kind == "district"
    leaders = [("区委书记" if district else "党组书记", "party_secretary"),
               ("区长" if district else "局长（主任）", "admin_head")]
    leaders += [("副区长" if district else "副局长（副主任）", "")] * 3 + [("纪检监察组组长", "")]
    rows = []
    for number_, (position, role) in enumerate(leaders, 1):
        salary = Decimal(rng.randrange(14000, 19500, 10))
        bonus = Decimal(rng.randrange(36000, 52000, 10)) + Decimal(rng.choice(["0", "0.50", "0.25", "0.75"]))
        rows.append([f"{unit.code}-{number_:04d}", names(), unit.code, position, "yes", role, "yes", money(salary),
                     money(bonus)])
    for number_ in range(len(leaders) + 1, size + 1):
        established = rng.random() < 0.85
        salary = Decimal(rng.randrange(5200, 12800, 10)) + Decimal(rng.choice(["0", "0.50"]))
        bonus = Decimal(rng.randrange(12000, 30000, 10)) + Decimal(rng.choice(["0", "0.50", "0.25", "0.05"]))
        rows.append([f"{unit.code}-{number_:04d}", names(), unit.code, rng.choice(STAFF_POSITIONS), "no", "",
                     "yes" if established else "no", money(salary), money(bonus)])
    return rows


def agreed_for(template: TargetTemplate, baseline: Decimal, rng: random.Random) -> Decimal:
    growth = template.growth * rng.uniform(0.8, 1.2)
    if template.direction == "higher":
        return number(float(baseline) * (1 + growth), template.unit_of_measure)
    return number(float(baseline) * (1 - growth), template.unit_of_measure)


def split(total: Decimal, parts: int, rng: random.Random, unit_of_measure: str) -> list[Decimal]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = sum(weights)
    values = [number(float(total) * w / scale, unit_of_measure) for w in weights]
    values[-1] = total - sum(values[:-1])
    return values


def unit_targets(unit: Unit, year: int, rng: random.Random, people: list[list[str]], prefix: str
                 ) -> Iterator[tuple[list[str], TargetTemplate, Decimal]]:
    """Top-level targets (with agreed values) and their cascade to departments and people."""
    templates = DISTRICT_TARGETS if unit.kind == "district" else MUNICIPAL_TARGETS
    points = iter(BASE_POINTS[unit.kind])
    leaders = [p for p in people if p[4] == "yes"]
    staff = [p for p in people if p[4] == "no"]
    departments = rng.sample(INTERNAL_DEPARTMENTS, 3)
    for index, template in enumerate(templates, 1):
        code = f"{unit.code}-{year}-{index:02d}"
        if template.measure == "quantitative":
            baseline = number(rng.uniform(*template.baseline), template.unit_of_measure)
            agreed = agreed_for(template, baseline, rng)
        else:
            baseline = agreed = Decimal(1)
        if template.kind == "base":
            target_points = Decimal(next(points))
        elif template.kind == "stretch":
            target_points = Decimal(5)
        else:
            target_points = Decimal(0)
        benchmark_city = benchmark_value = ""
        if template.kind == "stretch":
            benchmark_city = rng.choice(PEER_CITIES)
            benchmark_value = str(agreed)
        leader = rng.choice(leaders[2:] or leaders)[0]
        quantitative = template.measure == "quantitative"
        row = [code, unit.code, str(year), template.title, template.category, template.kind, template.measure,
               template.direction, template.unit_of_measure, str(baseline) if quantitative else "",
               str(agreed) if quantitative else "", str(target_points), benchmark_city, benchmark_value,
               assessor_code(template.assessor, prefix), "", departments[0], leader, ""]
        yield row, template, agreed
        # Cascade: three internal departments, then three people in each (分解细化, 落实到每个人).
        department_values = split(agreed, 3, rng, template.unit_of_measure) if quantitative and template.additive \
            else [agreed] * 3
        for d_index, (department, d_value) in enumerate(zip(departments, department_values, strict=True), 1):
            d_code = f"{code}-{d_index}"
            d_leader = rng.choice(leaders)[0]
            yield ([d_code, unit.code, str(year), f"{template.title}（{department}）", template.category,
                    template.kind, template.measure, template.direction, template.unit_of_measure, "",
                    str(d_value) if quantitative else "", "", "", "", assessor_code(template.assessor, prefix), code,
                    department, d_leader, ""], template, d_value)
            person_values = split(d_value, 3, rng, template.unit_of_measure) if quantitative and template.additive \
                else [d_value] * 3
            team = (staff or leaders)[4 * (d_index - 1):4 * d_index] or leaders  # the department's own staff
            for p_index, p_value in enumerate(person_values, 1):
                assignee = team[rng.randrange(len(staff or leaders)) % len(team)][0]
                yield ([f"{d_code}-{p_index}", unit.code, str(year), f"{template.title}（{department}·个人）",
                        template.category, template.kind, template.measure, template.direction,
                        template.unit_of_measure, "", str(p_value) if quantitative else "", "", "", "",
                        assessor_code(template.assessor, prefix), d_code, department, d_leader, assignee],
                       template, p_value)


def performance(rng: random.Random, tier: float) -> float:
    """How well a unit did: 1.0 = exactly the agreed value; tiers spread units from strong to weak."""
    return max(0.55, rng.gauss(tier, 0.04))


def certification(row: list[str], template: TargetTemplate, agreed: Decimal, quality: float, rng: random.Random
                  ) -> list[str]:
    code, year = row[0], row[2]
    if template.measure == "qualitative":
        completion = Decimal(1) if quality >= 0.97 or rng.random() < 0.6 else Decimal(str(round(min(quality, 1), 2)))
        return [code, year, "", str(completion), "考核部门认定"]
    if template.kind == "veto":
        actual = Decimal(0) if quality >= 0.9 else agreed + Decimal(rng.randint(1, 2))
        return [code, year, str(actual), "", "应急管理部门认定"]
    factor = quality + rng.uniform(-0.02, 0.03)
    actual = agreed * Decimal(str(factor)) if template.direction == "higher" else agreed / Decimal(str(factor))
    return [code, year, str(number(float(actual), template.unit_of_measure)), "", "统计部门认定"]


def year_end(unit: Unit, year: int, rng: random.Random, quality: float, bundle: Bundle) -> None:
    for group in VOTER_GROUPS:
        total = rng.randint(40, 70)
        excellent = int(total * min(0.95, max(0.1, (quality - 0.7) * 2.2 + rng.uniform(-0.08, 0.08))))
        good = int((total - excellent) * 0.7)
        fair = int((total - excellent - good) * 0.8)
        bundle.ballots.append([unit.code, str(year), group, str(excellent), str(good), str(fair),
                               str(total - excellent - good - fair)])
    for inspector in ("市委督查室检查组", "市政府目标办检查组", "市人大代表检查组"):
        score = Decimal(str(min(100.0, max(55.0, 60 + (quality - 0.8) * 120 + rng.uniform(-4, 4)))))
        bundle.inspections.append([unit.code, str(year), inspector, str(score.quantize(Decimal("0.1")))])
    responses = rng.randint(180, 320)
    satisfied = int(responses * min(0.95, max(0.2, (quality - 0.75) * 2 + rng.uniform(-0.05, 0.05))))
    basically = int((responses - satisfied) * 0.75)
    bundle.grassroots.append([unit.code, str(year), str(satisfied), str(basically),
                              str(responses - satisfied - basically)])


def build(*, scale: str = "city", year: int = 2026, seed: int = 2026, people_per_unit: int = 145) -> Bundle:
    rng = random.Random(seed)
    names = Names(rng)
    bundle = Bundle()
    qualities: dict[str, float] = {}
    cities = [("", "")] if scale == "city" else [(f"C{i:02d}", city) for i, city in enumerate(PROVINCE_CITIES, 1)]
    for prefix, city_name in cities:
        units = city_units(prefix, city_name if prefix else "")
        bundle.units += units
        for position, unit in enumerate(units):
            people = unit_people(unit, rng, names, people_per_unit)
            bundle.people += people
            # A realistic spread: most units meet their targets, some miss; every 37 units a pair of
            # "twins" meets everything with identical year-end inputs, so the ranking has real ties.
            tier = rng.choice([1.08, 1.07, 1.06, 1.05, 1.04, 1.03, 1.0, 0.97, 0.93, 0.87])
            quality = performance(rng, tier)
            unit_rng = random.Random(f"{seed}:{unit.code}")
            twin_rng = random.Random(f"{seed}:twin:{position // 37}") if position % 37 in (5, 6) else None
            if twin_rng is not None:
                quality = 1.08
            qualities[unit.code] = quality
            for row, template, agreed in unit_targets(unit, year, rng, people, prefix):
                bundle.targets.append(row)
                if row[15] == "":
                    bundle.certifications.append(certification(row, template, agreed, quality, unit_rng))
            year_end(unit, year, twin_rng or unit_rng, quality if twin_rng is None else 1.03, bundle)
        adjusted = random.Random(f"{seed}:adjustments:{prefix}").sample(units, len(ADJUSTMENTS))
        bundle.adjustments += [[unit.code, str(year), points, reason]
                               for unit, (points, reason) in zip(adjusted, ADJUSTMENTS, strict=True)]
    bundle.settings = [[str(year), key, value] for key, value in [
        ("weight_department", "0.60"), ("weight_voting", "0.15"), ("weight_inspection", "0.15"),
        ("weight_grassroots", "0.10"), ("pass_line", "60"), ("advanced_ratio", "0.25"),
        ("last_place_count", str(13 * len(cities))), ("stretch_cap", "10"),
        ("voter_group_weight:市领导", "2"), ("voter_group_weight:人大代表政协委员", "1"),
        ("voter_group_weight:市民代表", "1"), ("voter_group_weight:企业代表", "1"), ("notice_days", "0"),
    ]]
    movements(bundle, qualities, year, random.Random(f"{seed}:transfers"))
    return bundle


MOVED_SHARE = 0.045  # staff who move to another unit during the year
LEFT_SHARE = 0.005  # staff who leave the system during the year
JOINED_SHARE = 0.005  # people who join during the year (people.csv `since`)
LEADER_SWAPS_PER_CITY = 3  # pairs of party secretaries who swap units


def day_in(year: int, rng: random.Random, first: int = 1, last: int | None = None) -> date:
    """A day of the year (day numbers `first`…`last`, 1-based)."""
    days = (date(year, 12, 31) - date(year, 1, 1)).days + 1
    return date(year, 1, 1) + timedelta(days=rng.randint(first, last or days) - 1)


def movements(bundle: Bundle, qualities: dict[str, float], year: int, rng: random.Random) -> None:
    """The year's transfers (transfers.csv) and joiners (people.csv rows with `since`), from their own random
    stream so the rest of the bundle is the same with or without them."""
    for person in bundle.people:
        person.append("")  # since: before any year in the system
    codes = [u.code for u in bundle.units]
    ranked = sorted(codes, key=lambda c: qualities[c])
    fifth = max(1, len(ranked) // 5)
    weakest, strongest = ranked[:fifth], ranked[-fifth:]
    staff = [p for p in bundle.people if p[4] == "no"]
    chosen = rng.sample(staff, min(len(staff), int(len(bundle.people) * (MOVED_SHARE + LEFT_SHARE))))
    leavers = len(chosen) * LEFT_SHARE / (MOVED_SHARE + LEFT_SHARE)
    rows: list[tuple[date, list[str]]] = []
    for index, person in enumerate(chosen):
        when = day_in(year, rng, 2)
        if index < leavers:
            rows.append((when, [person[0], "", "", "", "", when.isoformat()]))
            continue
        pool = [c for c in (strongest, weakest, codes)[index % 3] if c != person[2]] or \
            [c for c in codes if c != person[2]]
        if not pool:
            continue
        destination = rng.choice(pool)
        rows.append((when, [person[0], destination, rng.choice(STAFF_POSITIONS), "no", "", when.isoformat()]))
    secretaries = {p[2]: p for p in bundle.people if p[5] == "party_secretary"}
    cities = max(1, len(codes) // 110)
    for pair in range(min(LEADER_SWAPS_PER_CITY * cities, fifth)):
        strong, weak = strongest[-1 - pair], weakest[pair]
        if strong == weak or strong not in secretaries or weak not in secretaries:
            continue
        when = day_in(year, rng, 60, 300)
        for person, destination in ((secretaries[strong], weak), (secretaries[weak], strong)):
            rows.append((when, [person[0], destination, person[3], "yes", "party_secretary", when.isoformat()]))
    bundle.transfers = [row for _, row in sorted(rows, key=lambda r: (r[0], r[1][0]))]
    numbers = {code: 0 for code in codes}
    for person in bundle.people:
        numbers[person[2]] = max(numbers[person[2]], int(person[0].rsplit("-", 1)[1]))
    names = Names(rng)
    for _ in range(int(len(bundle.people) * JOINED_SHARE)):
        code = rng.choice(codes)
        numbers[code] += 1
        salary = Decimal(rng.randrange(5200, 9000, 10))
        bonus = Decimal(rng.randrange(12000, 20000, 10))
        bundle.people.append([f"{code}-{numbers[code]:04d}", names(), code, rng.choice(STAFF_POSITIONS), "no", "",
                              "yes", money(salary), money(bonus), day_in(year, rng, 32).isoformat()])


HEADERS = {
    "units.csv": ["code", "name", "kind", "group"],
    "people.csv": ["staff_no", "name", "unit_code", "position", "leadership_member", "main_leader_role",
                   "on_establishment", "monthly_salary", "bonus_standard", "since"],
    "transfers.csv": ["staff_no", "unit_code", "position", "leadership_member", "main_leader_role",
                      "effective_date"],
    "targets.csv": ["code", "unit_code", "year", "title", "category", "kind", "measure", "direction",
                    "unit_of_measure", "baseline", "agreed_value", "points", "benchmark_city", "benchmark_value",
                    "assessing_department", "parent_code", "responsible_department", "responsible_leader",
                    "assignee"],
    "settings.csv": ["year", "key", "value"],
    "certifications.csv": ["target_code", "year", "actual_value", "completion", "note"],
    "ballots.csv": ["unit_code", "year", "voter_group", "excellent", "good", "fair", "poor"],
    "inspections.csv": ["unit_code", "year", "inspector", "score"],
    "grassroots.csv": ["unit_code", "year", "satisfied", "basically_satisfied", "dissatisfied"],
    "adjustments.csv": ["unit_code", "year", "points", "reason"],
}


def rows_of(bundle: Bundle) -> dict[str, list[list[str]]]:
    return {
        "units.csv": [[u.code, u.name, u.kind, u.group] for u in bundle.units],
        "people.csv": bundle.people,
        "transfers.csv": bundle.transfers,
        "targets.csv": bundle.targets,
        "settings.csv": bundle.settings,
        "certifications.csv": bundle.certifications,
        "ballots.csv": bundle.ballots,
        "inspections.csv": bundle.inspections,
        "grassroots.csv": bundle.grassroots,
        "adjustments.csv": bundle.adjustments,
    }


def generate(out: Path, *, scale: str = "city", year: int = 2026, seed: int = 2026, people_per_unit: int = 145,
             files: tuple[str, ...] | None = None) -> dict[str, int]:
    """Write the bundle's CSV files into `out`; return the row count of each file written."""
    return write(out, build(scale=scale, year=year, seed=seed, people_per_unit=people_per_unit), files)


def write(out: Path, bundle: Bundle, files: tuple[str, ...] | None = None) -> dict[str, int]:
    """Write a built bundle's CSV files into `out`; return the row count of each file written."""
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, rows in rows_of(bundle).items():
        if files is not None and name not in files:
            continue
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS[name])
            writer.writerows(rows)
        written[name] = len(rows)
    return written
