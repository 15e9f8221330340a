"""Shared by the bench scripts: datasets (where they live, their keys) and Django set-up
against a given database. Never imported by the project."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))

PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/shequgang_bench"


def sqlite_url(name: str) -> str:
    return f"sqlite:///{OUT / (name + '.sqlite3')}"


def engine_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite:") else "postgresql"


def dataset_meta_path(url: str) -> Path:
    """A small JSON file beside the data: its size, key and what was generated."""
    if engine_of(url) == "sqlite":
        return Path(url.removeprefix("sqlite:///") + ".json")
    return OUT / f"{urlsplit(url).path.lstrip('/')}.pg.json"


def read_meta(url: str) -> dict | None:  # type: ignore[type-arg]
    path = dataset_meta_path(url)
    return json.loads(path.read_text()) if path.exists() else None


def write_meta(url: str, meta: dict) -> None:  # type: ignore[type-arg]
    path = dataset_meta_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))


def drop_database(url: str) -> None:
    if engine_of(url) == "sqlite":
        base = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm", ".json"):
            Path(f"{base}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    dataset_meta_path(url).unlink(missing_ok=True)


def create_database(url: str, template: str | None = None) -> None:
    drop_database(url)
    if engine_of(url) == "sqlite":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        extra = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{extra}')


def copy_database(src: str, dst: str) -> None:
    """A throwaway copy (the sweep changes rows)."""
    import shutil

    if engine_of(src) == "sqlite":
        import sqlite3

        drop_database(dst)
        s = sqlite3.connect(src.removeprefix("sqlite:///"))
        d = sqlite3.connect(dst.removeprefix("sqlite:///"))
        s.backup(d)
        d.close()
        s.close()
    else:
        create_database(dst, template=urlsplit(src).path.lstrip("/"))
    meta = read_meta(src)
    if meta is not None:
        write_meta(dst, meta)
    del shutil


def server_env(url: str, field_key: str, *, bench: bool = True) -> dict[str, str]:
    """The environment a server or script gets for a dataset."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SHEQUGANG_FIELD_KEY=field_key,
        SECRET_KEY="bench-secret-" + field_key,
        DJANGO_SETTINGS_MODULE="shequgang.settings",
        SHEQUGANG_VAR_DIR=str(OUT / "var"),
        PYTHONPATH=str(ROOT / "src"),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback
    )
    env.pop("SHEQUGANG_DEMO", None)
    env.pop("DEBUG", None)
    if bench:
        env["SHEQUGANG_BENCH"] = "1"
    return env


def setup_django(url: str, field_key: str) -> None:
    os.environ.update(server_env(url, field_key))
    import django

    django.setup()
