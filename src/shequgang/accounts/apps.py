from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shequgang.accounts"
    verbose_name = "登录与会话"

    def ready(self) -> None:
        # Listed after "axes" in INSTALLED_APPS, so these receivers run after axes has
        # counted the same failed attempt.
        from shequgang.accounts import lockout, sessions  # noqa: F401
