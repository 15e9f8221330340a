from django.apps import AppConfig


class BenchCeilingConfig(AppConfig):
    name = "shequgang.bench_ceiling"
    verbose_name = "基准测试·框架上限"
