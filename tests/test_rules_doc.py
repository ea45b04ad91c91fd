"""docs/rules.md cannot drift from the code: every ```example block in it is recomputed here with the pure rules
functions (services/assessment/rules/, services/personnel/rules.py) and every `=> key: value` line checked.

A block is `key: value` input lines (a key may repeat) and `=> key: value` result lines; its kind (the word after
`example`) picks the function below that computes the results from the inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from services.assessment import rules
from services.personnel import rules as personnel

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
BLOCK = re.compile(r"^```example (\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
YES = {"yes": True, "no": False}


@dataclass
class Example:
    kind: str
    line: int
    inputs: dict[str, list[str]] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)

    def one(self, key: str, default: str | None = None) -> str:
        values = self.inputs.get(key)
        if not values:
            if default is None:
                raise KeyError(f"example on line {self.line} has no {key!r}")
            return default
        return values[0]

    def __str__(self) -> str:
        return f"{self.kind}@{self.line}"


def examples() -> list[Example]:
    text = DOC.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        example = Example(match.group(1), text[:match.start()].count("\n") + 1)
        for raw in match.group(2).splitlines():
            line = raw.strip()
            if not line:
                continue
            target = example.expected if line.startswith("=>") else None
            key, _, value = line.removeprefix("=>").strip().partition(": ")
            if target is not None:
                target[key] = value.strip()
            else:
                example.inputs.setdefault(key, []).append(value.strip())
        found.append(example)
    return found


def settings_of(e: Example) -> rules.Settings:
    pairs = [tuple(part.strip() for part in s.rsplit(" = ", 1)) for s in e.inputs.get("setting", [])]
    return rules.settings_from_pairs(pairs)


def keyed(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split())


# ---- one function per kind: the results the code gives for the example's inputs ------------------------------


def round_(e: Example) -> dict[str, object]:
    return {"rounded": rules.round_half_up(Fraction(e.one("value")))}


def target_of(e: Example, code: str, kind: str, rest: dict[str, str], measure: str, direction: str
              ) -> rules.ScoredTarget:
    number = {k: Decimal(v) for k, v in rest.items() if k in ("agreed", "actual", "completion", "points")}
    return rules.ScoredTarget(code=code, kind=rules.TargetKind(kind), points=number.get("points", Decimal(0)),
                              measure=rules.Measure(measure.upper()),
                              direction=rules.Direction(f"{direction.upper()}_IS_BETTER"),
                              agreed_value=number.get("agreed"), actual_value=number.get("actual"),
                              completion=number.get("completion"))


def completion(e: Example) -> dict[str, object]:
    rest = {k: e.one(k) for k in ("agreed", "actual", "completion") if k in e.inputs}
    target = target_of(e, "T", "BASE", rest, e.one("measure"), e.one("direction", "higher"))
    ratio = rules.completion_ratio(target)
    return {"ratio": ratio, "met": ratio >= 1}


def department(e: Example) -> dict[str, object]:
    targets = []
    for line in e.inputs["target"]:
        code, kind, measure, *rest = line.split()
        direction = rest.pop(0) if rest and "=" not in rest[0] else "higher"
        targets.append(target_of(e, code, kind, keyed(" ".join(rest)), measure, direction))
    result = rules.department_score(targets, Decimal(e.one("stretch_cap", "10")))
    return {"score": result.score, "every BASE met": result.base_met, "a VETO failed": result.veto_failed}


def voting(e: Example) -> dict[str, object]:
    ballots = [rules.BallotCount(group, *map(int, counts)) for group, *counts in
               (line.split() for line in e.inputs["ballots"])]
    weights = {group: Decimal(w) for group, w in (line.split() for line in e.inputs.get("weight", []))}
    result = rules.voting_score(ballots, weights)
    return {"score": result.score, "missing": result.missing}


def inspection(e: Example) -> dict[str, object]:
    return {"score": rules.inspection_score([Decimal(s) for s in e.one("scores").split(",")]).score}


def grassroots(e: Example) -> dict[str, object]:
    return {"score": rules.grassroots_score(*map(int, e.one("responses").split())).score}


def composite(e: Example) -> dict[str, object]:
    parts = rules.Components(*(Decimal(e.one(k)) for k in ("department", "voting", "inspection", "grassroots")))
    return {"composite": rules.composite(parts, settings_of(e))}


def adjustment(e: Example) -> dict[str, object]:
    points = rules.adjustment_points([Decimal(p) for p in e.one("items").split(",")], Decimal(e.one("cap")))
    return {"points": points, "composite": rules.adjusted_composite(Decimal(e.one("composite")), points)}


def qualified(e: Example) -> dict[str, object]:
    return {"qualified": rules.is_qualified(
        base_met=YES[e.one("every BASE met")], veto_failed=YES[e.one("a VETO failed")],
        composite_score=Decimal(e.one("composite")), pass_line=Decimal(e.one("pass_line")))}


def quota(e: Example) -> dict[str, object]:
    return {"quota": rules.advanced_quota(Decimal(e.one("ratio")), int(e.one("qualified")))}


def ranking(e: Example) -> dict[str, object]:
    scores = []
    for line in e.inputs["unit"]:
        code, rest = line.split(" ", 1)
        values = keyed(rest)
        scores.append(rules.UnitScore(
            unit_code=code, group=values.get("group"), qualified=YES[values["qualified"]],
            **{k: Decimal(values[k]) for k in ("composite", "department", "voting", "inspection", "grassroots")}))
    result = rules.rank_units(scores, settings_of(e))
    found: dict[str, object] = {"advanced overflow": result.advanced_overflow,
                                "last place shortfall": result.last_place_shortfall}
    for ranked in result.units:
        found[f"rank {ranked.unit_code}"] = ranked.rank
        found[f"grade {ranked.unit_code}"] = ranked.grade.value
    return found


def notice(e: Example) -> dict[str, object]:
    published = date.fromisoformat(e.one("published"))
    ends = rules.notice_ends_on(published, int(e.one("days")))
    undecided = e.inputs.get("undecided", [])
    found: dict[str, object] = {"notice ends": ends.isoformat() if ends else "none",
                                "final at publication": ends is None}
    for key in e.expected:
        day = re.fullmatch(r"may (appeal|finalise) on (\S+)", key)
        if day:
            today = date.fromisoformat(day.group(2))
            refusal = (rules.appeal_refusal(final=ends is None, ends_on=ends, today=today) if day.group(1) == "appeal"
                       else rules.finalize_refusal(final=ends is None, ends_on=ends, today=today,
                                                   undecided=undecided))
            found[key] = refusal is None
    return found


def reward(e: Example) -> dict[str, object]:
    person = personnel.PersonFacts(
        staff_no="P1", leadership_member=YES[e.one("leadership_member")],
        main_leader_role=e.one("main_leader_role", "") or None, on_establishment=YES[e.one("on_establishment")],
        monthly_salary=Decimal(e.one("monthly_salary")), bonus_standard=Decimal(e.one("bonus_standard")))
    result = personnel.consequences(e.one("grade"), person)
    line = result.reward
    return {"bonus paid": line.bonus_paid, "bonus forfeited": line.bonus_forfeited, "extra salary": line.extra_salary,
            "total": line.total, "honours": ", ".join(result.honours), "filing record": result.filing_record,
            "leader adjustment": result.leader_adjustment}


def settings(e: Example) -> dict[str, object]:
    try:
        s = settings_of(e)
    except rules.SettingsError as exc:
        return {"refused": exc.reason}
    found: dict[str, object] = {key: getattr(s, key) for key in rules.settings.PLAIN_KEYS}
    for key in e.expected:
        group = re.fullmatch(r"advanced_ratio of (.+)", key)
        if group:
            found[key] = s.advanced_ratio_for(group.group(1))
    return found


KINDS: dict[str, Callable[[Example], dict[str, object]]] = {
    "round": round_, "completion": completion, "department": department, "voting": voting,
    "inspection": inspection, "grassroots": grassroots, "composite": composite, "adjustment": adjustment,
    "qualified": qualified, "quota": quota, "ranking": ranking, "notice": notice, "reward": reward,
    "settings": settings,
}
EXAMPLES = examples()


def shown(value: object) -> str:
    """A computed value written the way the document writes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction):
        return str(value)
    return str(value)


def test_every_rule_has_a_worked_example() -> None:
    assert {e.kind for e in EXAMPLES} == set(KINDS), "a kind of example is missing from docs/rules.md, or unknown"
    assert all(e.expected for e in EXAMPLES), [str(e) for e in EXAMPLES if not e.expected]


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_the_example_is_what_the_code_computes(example: Example) -> None:
    computed = KINDS[example.kind](example)
    for key, expected in example.expected.items():
        assert key in computed, f"{example}: the code gives no {key!r}"
        if key == "refused":
            assert expected in str(computed[key]), f"{example}: {computed[key]}"
        else:
            assert shown(computed[key]) == expected, f"{example}: {key} is {shown(computed[key])}, not {expected}"


def test_readme_and_docs_point_only_at_files_of_the_clone() -> None:
    root = DOC.parents[1]
    for path in [root / "README.md", *sorted((root / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "shared/" not in text and "DESIGN.md" not in text, path.name
