"""The default retention periods and their legal basis. The admin may change them; this
migration only seeds rows that are missing."""

from django.db import migrations

PIPL_19 = "《个人信息保护法》第十九条：除法律、行政法规另有规定外，个人信息的保存期限应当为实现处理目的所必要的最短时间。"

DEFAULTS = [
    (
        "resident_moved_out",
        1096,
        "迁出登记之日（居民 left_at）",
        PIPL_19
        + "第四十七条第一款第（一）项：处理目的已实现或者为实现处理目的不再必要。"
        "迁出后保留三年（1096天，含闰日），以便办理复核、信访和可能的诉讼，"
        "对应《民法典》第一百八十八条三年诉讼时效；期满匿名化，事项和审计记录不删除。",
    ),
    (
        "resident_deceased",
        1096,
        "注销（死亡）登记之日（居民 left_at）",
        PIPL_19
        + "第四十九条：近亲属为自身合法、正当利益可对死者的相关个人信息行使查阅、复制、更正、删除等权利；"
        "保留三年（1096天）供近亲属行使该权利，对应《民法典》第一百八十八条三年诉讼时效；期满匿名化。",
    ),
    (
        "notifications",
        365,
        "通知创建时间（仅限已送达或已失败的通知）",
        PIPL_19
        + "通知只是送达副本，事项本身的办理经过保存在事项流转记录中；"
        "送达后保留一年，足以处理“未收到通知”的申诉，期满删除。",
    ),
    (
        "idempotency_records",
        2,
        "首次请求时间",
        PIPL_19
        + "幂等记录仅用于识别客户端重试同一请求，保留两天（与 SHEQUGANG_IDEMPOTENCY_KEEP_HOURS 默认48小时一致），期满删除。",
    ),
    (
        "veterans_withdrawn",
        365,
        "项目年度结束（次年1月1日0时，北京时间）",
        PIPL_19
        + "第四十七条第一款第（三）项：个人撤回同意。已撤回的申请不在承保名册上，"
        "保留至项目年度结束后一年以便复核与申诉，期满匿名化；"
        "已受理（在册）的申请属于已报送承保机构的名册，不适用本规则。",
    ),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    RetentionRule = apps.get_model("privacy", "RetentionRule")
    for category, keep_days, starts, basis in DEFAULTS:
        RetentionRule.objects.get_or_create(
            category=category, defaults={"keep_days": keep_days, "starts": starts, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
