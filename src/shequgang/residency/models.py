"""A resident's account (one per login) and the one-time codes of the desk reset.

The account holds what the person typed when registering — name, phone and ID number,
personal data stored like the register's (Fernet ciphertext, HMAC blind index, masked
form) — and the household they say they live in. It stays ``pending`` until a community
or grid worker confirms it against the register (it then names the register's
``Resident``) or refuses it with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shequgang.people.models import Relation, Resident
from shequgang.places.models import Place


class AccountStatus(models.TextChoices):
    # Registered, waiting for the community: may log in, sees only its own status.
    PENDING = "pending", "待社区认证"
    # Matched to (or added to) the register: a resident of its household.
    CONFIRMED = "confirmed", "已认证"
    # Not a resident of that household (or not who they say): sees the reason.
    REFUSED = "refused", "未通过认证"


class ResidentAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        on_delete=models.CASCADE,
        related_name="resident_account",
    )
    household = models.ForeignKey(
        Place,
        verbose_name="所住户",
        on_delete=models.PROTECT,
        related_name="resident_accounts",
        limit_choices_to={"kind": "household"},
    )
    # The register's row once confirmed; one account per register entry.
    resident = models.OneToOneField(
        Resident,
        verbose_name="台账居民",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField(
        "与户主关系", max_length=16, choices=Relation.choices, default=Relation.OTHER
    )

    id_number_cipher = models.TextField("身份证号(密文)", editable=False)
    id_number_index = models.CharField("身份证号索引", max_length=64, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    phone_cipher = models.TextField("手机号(密文)", editable=False)
    # Unique: the phone is a login name.
    phone_index = models.CharField("手机号索引", max_length=64, unique=True, editable=False)
    phone_masked = models.CharField("手机号", max_length=20, editable=False)

    status = models.CharField(
        "状态",
        max_length=16,
        choices=AccountStatus.choices,
        default=AccountStatus.PENDING,
        db_index=True,
    )
    refused_reason = models.CharField("未通过原因", max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认证人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("认证时间", null=True, blank=True)
    created_at = models.DateTimeField("注册时间", auto_now_add=True, db_index=True)
    # The anonymous registration's Idempotency-Key and what a retry must repeat (an HMAC
    # of the blind indexes, household and name: no plain personal data).
    request_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "居民账号"
        verbose_name_plural = "居民账号"
        constraints = [
            # One live account per person; a refused one does not block a new try.
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(status="refused"),
                name="resident_account_one_live_per_id_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status="confirmed", resident__isnull=False)
                | ~models.Q(status="confirmed"),
                name="resident_account_confirmed_names_resident",
            ),
        ]
        indexes = [models.Index(fields=["household", "status"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    @property
    def is_confirmed(self) -> bool:
        return self.status == AccountStatus.CONFIRMED


class ResetCode(models.Model):
    """A one-time password-reset code: 6 digits, kept only as an HMAC under the blind-index
    key, valid for ``RESET_CODE_MINUTES``, used once, refused after ``RESET_CODE_ATTEMPTS``
    wrong tries."""

    account = models.ForeignKey(
        ResidentAccount, on_delete=models.CASCADE, related_name="reset_codes"
    )
    code_hash = models.CharField(max_length=64, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发放人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField("渠道", max_length=8, default="desk")  # desk | sms
    issued_at = models.DateTimeField("发放时间", auto_now_add=True)
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    # Set when a newer code replaced it or the attempts ran out.
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)

    class Meta:
        verbose_name = "重置验证码"
        verbose_name_plural = "重置验证码"
        indexes = [models.Index(fields=["account", "issued_at"])]

    def __str__(self) -> str:
        return f"重置验证码 #{self.pk}"
