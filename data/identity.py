"""The identity store: names, certificate numbers and 户编号 of certificate holders, by person_id, encrypted.

The warehouse holds no name and no citizen ID (persons are keyed by `person_id`, a keyed hash). The people
who act on a list (a township worker's 入户核查) need names, so the importer writes them here, beside the
warehouse, only when a key is configured. The file is one Fernet token (AES-128-CBC + HMAC-SHA256, from
the `cryptography` package) over compressed JSON: without the key it is unreadable and holds no plain
name or number.

The key (a Fernet key: 32 random bytes, url-safe base64; make one with `python -m data.identity new-key`):
  env IDENTITY_KEY           the key itself, or
  env IDENTITY_KEY_FILE      a file holding it (mode 0600), which must lie outside the project's var/ folder,
                             so that a copy of var/ (warehouse, store, logs) never carries the key with it.
The store's path: env IDENTITY_STORE, else the warehouse file with the suffix `.identity`
(`var/demo.identity` beside `var/demo.duckdb`); for a PostgreSQL warehouse IDENTITY_STORE must be set.

API for pages and other modules (no streamlit here):

    store = IdentityStore.open()            # None when no key or no store; why: unavailable_reason()
    people = store.people([person_id, ...]) # {person_id: Identity}; person ids as int or str
    mask_name("张三明") -> "张*明";  mask_cert("…201") -> "…1234"  (last 4 of the 18-digit ID part)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
KEY_ENV, KEY_FILE_ENV, STORE_ENV = "IDENTITY_KEY", "IDENTITY_KEY_FILE", "IDENTITY_STORE"
SUFFIX = ".identity"
FORMAT = 1


class IdentityError(Exception):
    """The store or its key cannot be used; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Identity:
    """One certificate holder's identity: full name, 20-character certificate number, 户编号."""

    person_id: int
    name: str
    cert: str
    household: str

    @property
    def masked_name(self) -> str:
        """'张*明'."""
        return mask_name(self.name)

    @property
    def masked_cert(self) -> str:
        """'…1234'."""
        return mask_cert(self.cert)


def mask_name(name: str) -> str:
    """The first and last character, the rest as *: '张三明' → '张*明', '李四' → '李*', '欧阳小明' → '欧**明'."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name + "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_cert(cert: str) -> str:
    """'…1234': the last four characters of the citizen ID part (the first 18 characters)."""
    cert = (cert or "").strip()
    return "…" + cert[:18][-4:] if cert else ""


class People(dict):
    """{person_id: Identity} that also answers a person id given as text ('123' or 123)."""

    def __getitem__(self, key):
        return super().__getitem__(int(key))

    def get(self, key, default=None):
        try:
            return super().get(int(key), default)
        except (TypeError, ValueError):
            return default

    def __contains__(self, key) -> bool:
        try:
            return super().__contains__(int(key))
        except (TypeError, ValueError):
            return False


def configured_key(key: str | bytes | None = None) -> bytes | None:
    """The key: the argument, else env IDENTITY_KEY, else the file named by IDENTITY_KEY_FILE; None if none.
    A key file inside var/ is refused (IdentityError)."""
    if key:
        return key.encode() if isinstance(key, str) else key
    if os.environ.get(KEY_ENV, "").strip():
        return os.environ[KEY_ENV].strip().encode()
    path_text = os.environ.get(KEY_FILE_ENV, "").strip()
    if not path_text:
        return None
    path = Path(path_text).resolve()
    if path.is_relative_to(VAR.resolve()):
        raise IdentityError(f"姓名库密钥文件不能放在 var/ 中（{path}）：请放到数据目录之外，例如 /etc/canlian/identity.key")
    try:
        return path.read_text(encoding="ascii").strip().encode()
    except OSError as exc:
        raise IdentityError(f"无法读取姓名库密钥文件 {path}：{exc.strerror}") from exc


def _fernet(key: bytes) -> Fernet:
    """A Fernet for the key, or IdentityError saying the key is malformed."""
    try:
        return Fernet(key)
    except (ValueError, TypeError) as exc:
        raise IdentityError("姓名库密钥格式不对：须为 python -m data.identity new-key 生成的 44 个字符") from exc


def check_key(key: bytes) -> None:
    """IdentityError unless `key` is a usable Fernet key (checked before an import starts)."""
    _fernet(key)


def store_path(warehouse: str | None = None) -> Path | None:
    """Where the store is: env IDENTITY_STORE, else beside a DuckDB warehouse file; None for PostgreSQL
    without IDENTITY_STORE."""
    if os.environ.get(STORE_ENV, "").strip():
        return Path(os.environ[STORE_ENV].strip())
    if warehouse is None:
        from queries.db import warehouse_url  # no streamlit there: queries/ stays below data/ only here

        warehouse = warehouse_url()
    if warehouse.startswith(("postgresql:", "postgresql+", "postgres:", "chdb:", "clickhouse")):
        return None  # a server (or chDB directory): the store's file is named by IDENTITY_STORE
    return Path(warehouse).with_suffix(SUFFIX)


USER_NOTICE = "姓名库暂不可用，名单只显示个案编号；需要姓名时请联系系统管理员。"


def unavailable_notice(path: Path | str | None = None, key: str | bytes | None = None) -> str:
    """'' when the store can be opened, else what a page tells its user: no setting, file or command (the
    administrator's reason is `unavailable_reason`, printed by `python -m data.identity check`)."""
    return USER_NOTICE if unavailable_reason(path, key) else ""


def unavailable_reason(path: Path | str | None = None, key: str | bytes | None = None) -> str:
    """'' when the store can be opened, else why not, for the administrator (names the settings)."""
    try:
        if configured_key(key) is None:
            return (f"未配置姓名库密钥（环境变量 {KEY_ENV} 或 {KEY_FILE_ENV}），名单只显示个案编号。"
                    "配置方法见 docs/compare.md。")
        target = Path(path) if path else store_path()
        if target is None:
            return f"数据仓库在 PostgreSQL 上时须用环境变量 {STORE_ENV} 指定姓名库文件，名单只显示个案编号。"
        if not target.exists():
            return "姓名库尚未生成：配置密钥后重新导入数据即可生成，名单暂只显示个案编号。"
        IdentityStore.load(target, configured_key(key))
    except IdentityError as exc:
        return f"{exc}。名单只显示个案编号。"
    return ""


_cache: dict[tuple[str, int, int, bytes], dict[int, Identity]] = {}
_cache_lock = threading.Lock()


class IdentityStore:
    """The decrypted identities of one store file (read once per file version, kept in memory)."""

    def __init__(self, people: Mapping[int, Identity], path: Path) -> None:
        self._people = people
        self.path = path

    @classmethod
    def open(cls, path: Path | str | None = None, key: str | bytes | None = None) -> IdentityStore | None:
        """The store, or None when no key is configured, no store exists or it cannot be read with the key
        (`unavailable_reason()` gives the sentence)."""
        try:
            secret = configured_key(key)
            target = Path(path) if path else store_path()
            if secret is None or target is None or not target.exists():
                return None
            return cls.load(target, secret)
        except IdentityError:
            return None

    @classmethod
    def load(cls, path: Path, key: bytes) -> IdentityStore:
        """Decrypt a store file (cached per file version and key); IdentityError if the key does not fit."""
        info = path.stat()
        cache_key = (str(path.resolve()), info.st_mtime_ns, info.st_size, key)
        with _cache_lock:
            people = _cache.get(cache_key)
        if people is None:
            try:
                raw = gzip.decompress(_fernet(key).decrypt(path.read_bytes()))
            except InvalidToken as exc:
                raise IdentityError("姓名库无法用当前密钥解密（密钥已更换？请用当前密钥重新导入）") from exc
            body = json.loads(raw)
            people = {int(pid): Identity(int(pid), name, cert, household)
                      for pid, (name, cert, household) in body["people"].items()}
            with _cache_lock:
                _cache.clear()  # one version per process: an import replaces it
                _cache[cache_key] = people
        return cls(people, path)

    def people(self, person_ids: Iterable[int | str]) -> People:
        """The identities of these persons (ids not in the store are left out)."""
        out = People()
        for pid in person_ids:
            found = self._people.get(int(pid))
            if found is not None:
                out[found.person_id] = found
        return out

    def __len__(self) -> int:
        return len(self._people)


def write_store(path: Path, key: bytes, rows: Iterable[tuple[int, str, str, str]]) -> int:
    """Encrypt (person_id, name, cert, 户编号) rows into `path` atomically (mode 0600); returns the count."""
    body = {"format": FORMAT, "people": {str(int(pid)): [name or "", cert, household or ""]
                                         for pid, name, cert, household in rows}}
    token = _fernet(key).encrypt(gzip.compress(json.dumps(body, ensure_ascii=False).encode("utf-8")))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(token)
    os.replace(tmp, path)
    return len(body["people"])


def new_key() -> str:
    """A fresh Fernet key (print it into a file outside var/ or an environment variable)."""
    return Fernet.generate_key().decode("ascii")


def main(argv: list[str] | None = None) -> int:
    """`python -m data.identity new-key` prints a key; `check` says whether the store opens."""
    parser = argparse.ArgumentParser(
        prog="python -m data.identity",
        description="姓名库（加密的姓名、残疾人证号、户编号）的密钥工具。 Identity store key tool. "
                    f"Key: env {KEY_ENV} or {KEY_FILE_ENV} (outside var/); store: env {STORE_ENV} or beside the "
                    "warehouse file (.identity).")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("new-key", help="打印一个新密钥（保存到 var/ 之外的文件，权限 0600）")
    check = sub.add_parser("check", help="检查姓名库能否用当前密钥打开")
    check.add_argument("--warehouse", help="数据仓库（默认：环境变量 WAREHOUSE_URL 或演示仓库）")
    args = parser.parse_args(argv)
    if args.command == "new-key":
        print(new_key())
        return 0
    path = store_path(args.warehouse)
    reason = unavailable_reason(path) if path else unavailable_reason()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    print(f"姓名库可用：{path}，{len(IdentityStore.open(path))} 人")
    return 0


if __name__ == "__main__":
    sys.exit(main())
