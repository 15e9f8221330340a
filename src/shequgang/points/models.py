"""The points supermarket (党建积分超市): an append-only double-entry ledger, the earning
rules and caps as data, each community's catalogue, redemption orders and partner
merchants.

Sign convention: an entry's ``amount`` is added to its account's balance. Earning moves
points from the community's issuance account (which goes negative: it is the count of
points ever issued) to a person; a redemption moves them from the person to the holds
account, then to the spend account (goods) or a merchant's account, or back to the
person when cancelled. The entries of every transaction sum to zero; reconciliation
(``reconcile.py``) checks that, and that every stored balance equals its entries' sum."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.audit.appendonly import AppendOnlyModel
from shequgang.people.models import Resident
from shequgang.places.models import Place


class AccountKind(models.TextChoices):
    PERSON = "person", "个人账户"
    ISSUANCE = "issuance", "积分发放"
    HOLDS = "holds", "兑换冻结"
    SPEND = "spend", "已兑换"
    EXPIRY = "expiry", "过期清零"
    MERCHANT = "merchant", "合作商家"


# System accounts that exist once per community (created on first use).
SYSTEM_KINDS = (AccountKind.ISSUANCE, AccountKind.HOLDS, AccountKind.SPEND, AccountKind.EXPIRY)


class Merchant(models.Model):
    """A partner merchant (红色合作伙伴) that accepts a community's points. Its operators
    confirm the points spent at the counter."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    offer = models.CharField("优惠说明", max_length=200, blank=True)
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="确认人", blank=True, related_name="+"
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "合作商家"
        verbose_name_plural = "合作商家（红色合作伙伴）"
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="points_merchant_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A person's account in one community, or one of the community's system accounts.

    ``balance`` is maintained in the same transaction as the entries that change it;
    the CHECK constraint is the second line of defence behind the services' checks."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=16, choices=AccountKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持有人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name="居民档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merchant = models.ForeignKey(
        Merchant,
        verbose_name="商家",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    balance = models.BigIntegerField("余额", default=0)
    created_at = models.DateTimeField("开户时间", auto_now_add=True)

    class Meta:
        verbose_name = "积分账户"
        verbose_name_plural = "积分账户"
        constraints = [
            # Only the issuance account runs negative (it counts what was issued).
            models.CheckConstraint(
                condition=models.Q(balance__gte=0) | models.Q(kind="issuance"),
                name="points_account_balance_nonnegative",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="person", owner__isnull=False, merchant__isnull=True)
                    | models.Q(kind="merchant", owner__isnull=True, merchant__isnull=False)
                    | models.Q(
                        kind__in=["issuance", "holds", "spend", "expiry"],
                        owner__isnull=True,
                        merchant__isnull=True,
                    )
                ),
                name="points_account_kind_owner",
            ),
            models.UniqueConstraint(
                fields=["community", "owner"],
                condition=models.Q(kind="person"),
                name="points_one_person_account_per_community",
            ),
            models.UniqueConstraint(
                fields=["community", "kind"],
                condition=models.Q(kind__in=["issuance", "holds", "spend", "expiry"]),
                name="points_one_system_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["merchant"],
                condition=models.Q(kind="merchant"),
                name="points_one_account_per_merchant",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.PERSON and self.owner_id is not None:
            return f"{self.owner} @ {self.community_id}"
        if self.merchant_id is not None:
            return f"{self.merchant} @ {self.community_id}"
        return f"{self.get_kind_display()} @ {self.community_id}"


class TxnKind(models.TextChoices):
    EARN = "earn", "获得积分"
    ADJUST = "adjust", "人工调整"
    HOLD = "hold", "兑换冻结"
    CONFIRM = "confirm", "兑换确认"
    RELEASE = "release", "取消释放"
    EXPIRE = "expire", "过期清零"
    REVERSAL = "reversal", "冲正"


class Source(models.TextChoices):
    ACTIVITY = "activity", "志愿服务活动"
    DELIBERATION = "deliberation", "参加议事"
    MICRO_WISH = "micro_wish", "微心愿"
    VERIFIED_REPORT = "verified_report", "有效上报"
    MANUAL = "manual", "人工调整"
    REDEMPTION = "redemption", "积分兑换"
    EXPIRY = "expiry", "过期清零"


# Sources a caller may earn from (the rest are written by this app itself).
EARNING_SOURCES = (
    Source.ACTIVITY,
    Source.DELIBERATION,
    Source.MICRO_WISH,
    Source.VERIFIED_REPORT,
)


class Transaction(AppendOnlyModel):
    """One posting: entries that sum to zero, applied once per ``idempotency_key``.
    Never changed; a correction is a new transaction with ``reverses`` set."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=16, choices=TxnKind.choices)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    source_ref = models.CharField("来源编号", max_length=100, blank=True)
    reason = models.CharField("事由", max_length=200)
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    # The points moved to or from the person (positive); 0 when a cap swallowed all.
    amount = models.BigIntegerField("积分")
    # For earnings: what was asked for, and what the caps cut off.
    requested = models.BigIntegerField("申请积分", null=True, blank=True)
    capped = models.BigIntegerField("超出上限未发", default=0)
    rule = models.ForeignKey(
        "EarningRule", verbose_name="规则", null=True, blank=True, on_delete=models.PROTECT
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # A transaction is reversed at most once.
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲正对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "积分交易"
        verbose_name_plural = "积分交易"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0) & models.Q(capped__gte=0),
                name="points_txn_amounts_nonnegative",
            ),
            models.CheckConstraint(
                condition=~models.Q(source="manual") | models.Q(approver__isnull=False),
                name="points_manual_needs_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.idempotency_key})"


class Entry(AppendOnlyModel):
    """One leg of a transaction on one account."""

    transaction = models.ForeignKey(
        Transaction, verbose_name="交易", on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        Account, verbose_name="账户", on_delete=models.PROTECT, related_name="entries"
    )
    amount = models.BigIntegerField("积分")
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "积分分录"
        verbose_name_plural = "积分分录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="points_entry_amount_nonzero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"

    # The transaction's facts, as the brief names them per entry.
    @property
    def reason(self) -> str:
        return self.transaction.reason

    @property
    def source(self) -> str:
        return self.transaction.source

    @property
    def source_ref(self) -> str:
        return self.transaction.source_ref


class EarningBasis(models.TextChoices):
    """What an earning rule's points are counted per (the rule's ``unit`` field): each
    event, or each hour of service. Not a 单元 of the place tree, nor a 报到单位."""

    EVENT = "event", "每次"
    HOUR = "hour", "每小时"


class EarningRule(models.Model):
    """Points for one kind of participation. A rule with no community is the city-wide
    default; a community's own rule with the same code replaces it there."""

    community = models.ForeignKey(
        Place,
        verbose_name="社区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空为全市默认规则",
    )
    code = models.SlugField("代码", max_length=40, help_text="如 activity、volunteer_hour")
    name = models.CharField("名称", max_length=60)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    unit = models.CharField(
        "计分方式", max_length=8, choices=EarningBasis.choices, default=EarningBasis.EVENT
    )
    points = models.PositiveIntegerField("积分")
    # Staff roles that may award this rule by hand (the award page and API).
    awarded_by = models.JSONField(
        "可人工发放的角色",
        default=list,
        blank=True,
        help_text='角色代码列表，如 ["community_secretary", "community_worker"]',
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        ordering = ["code", "community_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "code"], name="points_rule_unique_per_community"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(community__isnull=True),
                name="points_rule_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.points}分/{self.get_unit_display()}）"


class Policy(models.Model):
    """Caps and expiry. A policy with no community is the city-wide default."""

    community = models.OneToOneField(
        Place,
        verbose_name="社区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空为全市默认",
    )
    daily_cap = models.PositiveIntegerField("每人每日上限", null=True, blank=True)
    monthly_cap = models.PositiveIntegerField("每人每月上限", null=True, blank=True)
    # Points earned more than this many months ago and not yet used expire.
    expiry_months = models.PositiveSmallIntegerField("有效期(月)", null=True, blank=True)
    # The largest single manual adjustment, either way.
    manual_max = models.PositiveIntegerField("单笔人工调整上限", default=500)

    class Meta:
        verbose_name = "积分政策"
        verbose_name_plural = "积分政策"

    def __str__(self) -> str:
        return f"积分政策 {self.community or '全市默认'}"


class Goods(models.Model):
    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("名称", max_length=100)
    description = models.CharField("说明", max_length=300, blank=True)
    price = models.PositiveIntegerField("所需积分")
    stock = models.IntegerField("库存")
    photo = models.ImageField("照片", upload_to="points/goods/%Y/%m", blank=True)
    active = models.BooleanField("上架", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "兑换商品"
        verbose_name_plural = "兑换商品"
        ordering = ["community", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stock__gte=0), name="points_goods_stock_nonnegative"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="points_goods_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    HELD = "held", "待领取"  # points and stock held
    CONFIRMED = "confirmed", "已领取"  # points spent, goods handed over
    CANCELLED = "cancelled", "已取消"  # points and stock released


# The workflow, enforced in services.order_confirm / order_cancel.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.HELD: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: set(),
    OrderStatus.CANCELLED: set(),
}


class Order(models.Model):
    """A redemption: goods from the catalogue, or points spent at a partner merchant."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    # Shown at the pick-up desk.
    code = models.CharField("取货码", max_length=12, unique=True)
    account = models.ForeignKey(
        Account, verbose_name="账户", on_delete=models.PROTECT, related_name="orders"
    )
    goods = models.ForeignKey(
        Goods, verbose_name="商品", null=True, blank=True, on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField("数量", default=1)
    merchant = models.ForeignKey(
        Merchant, verbose_name="商家", null=True, blank=True, on_delete=models.PROTECT
    )
    points = models.PositiveIntegerField("积分")
    status = models.CharField(
        "状态", max_length=12, choices=OrderStatus.choices, default=OrderStatus.HELD
    )
    idempotency_key = models.CharField("幂等键", max_length=200, unique=True)
    hold = models.OneToOneField(
        Transaction, verbose_name="冻结交易", on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.OneToOneField(
        Transaction,
        verbose_name="结算交易",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下单人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    placed_at = models.DateTimeField("下单时间", db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "兑换订单"
        verbose_name_plural = "兑换订单"
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "placed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(goods__isnull=False, merchant__isnull=True)
                    | models.Q(goods__isnull=True, merchant__isnull=False)
                ),
                name="points_order_goods_or_merchant",
            ),
            models.CheckConstraint(condition=models.Q(points__gt=0), name="points_order_points"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.goods or self.merchant}"


class AdjustmentStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class Adjustment(models.Model):
    """A manual adjustment: requested by one staff member, posted only when another
    approves it."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    account = models.ForeignKey(Account, verbose_name="账户", on_delete=models.PROTECT)
    amount = models.IntegerField("积分(负数为扣减)")
    reason = models.CharField("事由", max_length=200)
    status = models.CharField(
        "状态", max_length=12, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "人工调整"
        verbose_name_plural = "人工调整"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="points_adjust_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.reason}"


class ExpiryRun(models.Model):
    """One expiry per community and period: running the command twice for a period
    does nothing the second time."""

    community = models.ForeignKey(
        Place, verbose_name="社区", on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField("期间", max_length=7, help_text="YYYY-MM")
    cutoff = models.DateTimeField("截止时间")
    accounts = models.PositiveIntegerField("清零账户数", default=0)
    points = models.BigIntegerField("清零积分", default=0)
    ran_at = models.DateTimeField("执行时间")

    class Meta:
        verbose_name = "过期清零批次"
        verbose_name_plural = "过期清零批次"
        constraints = [
            models.UniqueConstraint(fields=["community", "period"], name="points_expiry_once")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.period}"
