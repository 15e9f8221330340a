"""The eligibility rules of an enrolment program, each explained in Chinese.

``evaluate`` runs every rule and reports each one (passed, failed, or could not be judged),
so the public check can tell a resident exactly why; ``EligibilityResult.raise_first``
turns the first failure into the ``DomainError`` a submission gets. Rules read the program's
rows (window, cut-off, covered groups, registration areas): nothing here is specific to a
year.

Failure codes (stable; clients and tests rely on them):

=====================  ====  ============================================================
code                   HTTP  meaning
=====================  ====  ============================================================
not_open               400   before the window opens
window_closed          400   at or after the window's end: forfeited for the year
id_number_format       400   not 18 characters of the GB 11643 shape
id_number_birth_date   400   the birth date inside the number is not a real date
id_number_checksum     400   the check character is wrong
group_required         400   no group given
group_not_covered      400   the group is not covered by this program
no_certificate         400   the group needs a preferential-treatment certificate
invalid_certificate    400   the certificate number is malformed
too_young              400   born after the program's cut-off
registration_required  400   no county of household registration given
not_registered         400   registered outside the program's areas (not 吕梁籍)
already_applied        409   a live application for this ID number exists in the program
=====================  ====  ============================================================
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from shequgang.errors import Conflict, DomainError
from shequgang.people.id_numbers import IdNumber, parse_id_number
from shequgang.veterans.models import BEIJING, Group, Program, ProgramArea, ProgramGroup
from shequgang.veterans.selectors import live_application_for

_CERTIFICATE = re.compile(r"^[0-9A-Z\-]{4,32}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


@dataclass(frozen=True)
class ApplicantFacts:
    """What the rules look at. Everything is raw input; the rules normalize it."""

    id_number: str = ""
    group: str = ""  # a Group code
    registration_code: str = ""  # 户籍所在县 (GB/T 2260 county-level code)
    certificate: str = ""


@dataclass(frozen=True)
class RuleCheck:
    rule: str  # window, id_number, group, certificate, age, registration, duplicate
    label: str
    # True passed, False failed, None could not be judged (an earlier input is invalid).
    passed: bool | None
    code: str  # the failure code, "" otherwise
    message: str
    status: int = 400


@dataclass(frozen=True)
class EligibilityResult:
    program: Program
    checks: tuple[RuleCheck, ...]
    id_number: IdNumber | None
    program_group: ProgramGroup | None
    area: ProgramArea | None
    certificate: str  # normalized

    @property
    def eligible(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def first_failure(self) -> RuleCheck | None:
        return next((c for c in self.checks if c.passed is not True), None)

    def raise_first(self) -> None:
        """Raise the first failing rule as a DomainError (``already_applied`` as 409)."""
        failure = self.first_failure
        if failure is None:
            return
        if failure.status == 409:
            raise Conflict(failure.code, failure.message)
        raise DomainError(failure.code, failure.message, status=failure.status)


def normalize_certificate(raw: str) -> str:
    return raw.strip().replace(" ", "").replace("\u3000", "").upper()


def _date_text(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _window(program: Program, now: dt.datetime) -> RuleCheck:
    label = "申报时间"
    if now < program.opens_at:
        return RuleCheck(
            "window",
            label,
            False,
            "not_open",
            f"申报尚未开始：{program.year}年度申报时间为{program.window_text}（北京时间）",
        )
    if now >= program.closes_at:
        return RuleCheck(
            "window",
            label,
            False,
            "window_closed",
            f"申报已截止：{program.year}年度申报时间为{program.window_text}（北京时间），"
            "逾期未申报视为自动放弃本年度参保资格",
        )
    return RuleCheck("window", label, True, "", f"在申报时间内（{program.window_text}）")


def _id_number(raw: str, now: dt.datetime) -> tuple[RuleCheck, IdNumber | None]:
    label = "身份证号码"
    try:
        parsed = parse_id_number(raw, today=now.astimezone(BEIJING).date())
    except DomainError as exc:
        return RuleCheck("id_number", label, False, exc.code, exc.message), None
    return (
        RuleCheck(
            "id_number",
            label,
            True,
            "",
            f"身份证号码有效，出生日期为{_date_text(parsed.birth_date)}",
        ),
        parsed,
    )


def _group(
    program: Program, code: str, covered: list[ProgramGroup]
) -> tuple[RuleCheck, ProgramGroup | None]:
    label = "保障对象"
    names = "、".join(pg.group.name for pg in covered)
    code = code.strip()
    if not code:
        return RuleCheck(
            "group", label, False, "group_required", f"请选择人员类别（{names}）"
        ), None
    found = next((pg for pg in covered if pg.group.code == code), None)
    if found is None:
        known = Group.objects.filter(code=code).first() if _SLUG.match(code) else None
        what = f"“{known.name}”" if known else f"人员类别“{code[:40]}”"
        return (
            RuleCheck(
                "group",
                label,
                False,
                "group_not_covered",
                f"{what}不在{program.year}年度保障范围内；保障对象为：{names}",
            ),
            None,
        )
    return RuleCheck("group", label, True, "", f"“{found.group.name}”在保障范围内"), found


def _certificate(raw: str, covered: ProgramGroup | None) -> tuple[RuleCheck, str]:
    label = "优待证"
    value = normalize_certificate(raw)
    if covered is not None and not covered.certificate_required and not value:
        return RuleCheck("certificate", label, True, "", "该类别无需优待证"), ""
    if not value:
        return (
            RuleCheck(
                "certificate",
                label,
                False,
                "no_certificate",
                "须持有优待证：请填写优待证号，未持证人员不在保障范围内",
            ),
            "",
        )
    if not _CERTIFICATE.match(value):
        return (
            RuleCheck(
                "certificate",
                label,
                False,
                "invalid_certificate",
                "优待证号格式不正确（应为4至32位数字或字母）",
            ),
            value,
        )
    return RuleCheck("certificate", label, True, "", "已填写优待证号"), value


def _age(program: Program, parsed: IdNumber | None, covered: ProgramGroup | None) -> RuleCheck:
    label = "年龄"
    cutoff = program.born_on_or_before
    if covered is not None and not covered.age_limit_applies:
        return RuleCheck("age", label, True, "", f"“{covered.group.name}”不受年龄限制")
    if parsed is None:
        return RuleCheck(
            "age",
            label,
            None,
            "",
            f"须为{_date_text(cutoff)}及以前出生；身份证号码无效，无法判断",
        )
    born = parsed.birth_date
    if born > cutoff:
        return RuleCheck(
            "age",
            label,
            False,
            "too_young",
            f"出生于{_date_text(born)}，晚于{_date_text(cutoff)}，"
            f"不符合{program.year}年度年满60周岁的条件",
        )
    return RuleCheck(
        "age",
        label,
        True,
        "",
        f"出生于{_date_text(born)}，符合{_date_text(cutoff)}及以前出生的条件",
    )


def _registration(
    program: Program, code: str, areas: list[ProgramArea]
) -> tuple[RuleCheck, ProgramArea | None]:
    label = "户籍"
    code = code.strip()
    if not code:
        return (
            RuleCheck(
                "registration",
                label,
                False,
                "registration_required",
                f"请选择户籍所在县（市、区）；{program.registration_rule}",
            ),
            None,
        )
    area = next((a for a in areas if a.code == code), None)
    if area is None:
        return (
            RuleCheck(
                "registration",
                label,
                False,
                "not_registered",
                f"户籍不在保障范围内：须为{program.registration_rule}",
            ),
            None,
        )
    return RuleCheck("registration", label, True, "", f"户籍所在地为{area.name}，属吕梁籍"), area


def _duplicate(
    program: Program, parsed: IdNumber | None, exclude_application: int | None
) -> RuleCheck:
    label = "重复申报"
    if parsed is None:
        return RuleCheck(
            "duplicate", label, None, "", "每人每年度只能申报一次；身份证号码无效，无法判断"
        )
    existing = live_application_for(program=program, id_number=parsed.value)
    if existing is not None and existing.pk != exclude_application:
        return RuleCheck(
            "duplicate",
            label,
            False,
            "already_applied",
            f"该身份证号码已申报{program.year}年度参保，每人每年度只能申报一次；"
            "如需更正信息请联系所在社区",
            status=409,
        )
    return RuleCheck("duplicate", label, True, "", "本年度尚未申报")


def evaluate(
    *,
    program: Program,
    facts: ApplicantFacts,
    now: dt.datetime,
    check_window: bool = True,
    check_duplicate: bool = True,
    exclude_application: int | None = None,
) -> EligibilityResult:
    """Run every rule of ``program`` on ``facts`` at instant ``now``. Reads only.

    Without ``check_duplicate`` the answer depends on the facts given alone, never on
    whether the person has applied (the public check: see ``receipts``)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    covered = list(program.groups.select_related("group"))
    areas = list(program.areas.all())
    checks: list[RuleCheck] = []
    if check_window:
        checks.append(_window(program, now))
    id_check, parsed = _id_number(facts.id_number, now)
    checks.append(id_check)
    group_check, program_group = _group(program, facts.group, covered)
    checks.append(group_check)
    cert_check, certificate = _certificate(facts.certificate, program_group)
    checks.append(cert_check)
    checks.append(_age(program, parsed, program_group))
    reg_check, area = _registration(program, facts.registration_code, areas)
    checks.append(reg_check)
    if check_duplicate:
        checks.append(_duplicate(program, parsed, exclude_application))
    return EligibilityResult(
        program=program,
        checks=tuple(checks),
        id_number=parsed,
        program_group=program_group,
        area=area,
        certificate=certificate,
    )
