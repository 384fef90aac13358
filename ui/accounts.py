"""The accounts: roles scoped to an area, the users file (argon2 hashes), checks of names, passwords and areas.
No streamlit: `python -m ui.users` and the sign-in gate (ui/auth.py) both use it.

The users file (`var/users.yaml`, env `USERS_FILE`, mode 0600) holds each user's role, area, disabled flag
and an argon2id hash; there is no built-in default password.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ui import signin_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_USERS = ROOT / "var" / "users.yaml"
ROLES = {"leader": "领导", "analyst": "分析", "township": "乡镇", "press": "宣传"}
ROLE_SCOPE = {
    "leader": "全县",
    "analyst": "全县，可导出表格",
    "township": "本乡镇至村；其他乡镇仅计入全县合计",
    "press": "仅隐去小数后的视图与导出",
}
AREA = re.compile(r"^\d{12}$")
MIN_PASSWORD = 8
MAX_NAME = 32
FIRST_USER_COMMAND = ".venv/bin/python -m ui.users add 管理员 --role 分析"
DEMO_NAME = "演示"

_hasher = PasswordHasher()  # argon2id with a random 16-byte salt per hash
_write_lock = threading.Lock()


class UserError(ValueError):
    """A refused change to the users file; the message is for people (Chinese)."""


_UNREADABLE = (UserError, yaml.YAMLError, OSError, UnicodeDecodeError)  # a missing, broken or foreign users file


@dataclass(frozen=True)
class User:
    """A signed-in person: role key, township code for `township` users ("" otherwise)."""

    name: str
    role: str
    area: str = ""
    disabled: bool = False
    read_only: bool = False  # the public demo's user: may look, may not change shared files (the briefing)

    @property
    def role_label(self) -> str:
        """The role's Chinese name."""
        return ROLES.get(self.role, self.role)

    @property
    def county_wide(self) -> bool:
        """Sees every township in full (leader, analyst)."""
        return self.role in ("leader", "analyst")


DEMO_USER = User(DEMO_NAME, "analyst", read_only=True)


# ---------------------------------------------------------------- the users file


def users_path() -> Path:
    """The users file's path."""
    return Path(os.environ.get("USERS_FILE") or DEFAULT_USERS)


def parse_role(text: str) -> str:
    """A role key from its Chinese label or English key; UserError otherwise."""
    text = text.strip()
    if text in ROLES:
        return text
    for key, label in ROLES.items():
        if text == label:
            return key
    choices = "、".join(f"{label}（{key}）" for key, label in ROLES.items())
    raise UserError(f"未知的角色“{text[:MAX_NAME]}”；可选：{choices}。 Unknown role.")


def check_area(role: str, area: str) -> str:
    """The area a role needs: a 12-digit township code for `township`, nothing for the others."""
    area = (area or "").strip()
    if role == "township":
        if not AREA.match(area):
            raise UserError("乡镇角色需要 --area 指定12位乡镇（街道）区划代码。 The township role needs a 12-digit --area code.")
        return area
    if area:
        raise UserError(f"{ROLES[role]}角色看全县，不设 --area。 Only the township role takes --area.")
    return ""


def warehouse_townships() -> dict[str, str]:
    """The warehouse's townships by code (WAREHOUSE_URL), for `python -m ui.users add` outside Streamlit; raises
    when the warehouse cannot be read."""
    from queries import dashboard
    from queries.db import connect

    wh = connect()
    try:
        regions = dashboard.regions(wh, "")
    finally:
        wh.close()
    towns = regions[regions["level"] == "township"]
    return dict(zip(towns["region_code"], towns["name"], strict=True))


def check_area_known(area: str, townships: Mapping[str, str]) -> str:
    """A township code the warehouse has (the identity provider's claims are checked the same way); its name."""
    if area not in townships:
        raise UserError(f"区划代码 {area} 不是数据仓库中的乡镇（街道）；该账号登录后将看不到任何数据。"
                        f"数据仓库中有 {len(townships)} 个乡镇（街道）。 Not a township of the warehouse.")
    return townships[area]


def check_name(name: str) -> str:
    """A user name: 1-32 printable characters, no surrounding spaces."""
    if not name or name != name.strip() or len(name) > MAX_NAME or not name.isprintable():
        raise UserError(f"用户名须为1–{MAX_NAME}个可打印字符，首尾无空格。 Invalid user name.")
    return name


def check_password(password: str) -> str:
    """A new password: at least 8 characters."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少{MIN_PASSWORD}个字符。 The password needs at least {MIN_PASSWORD} characters.")
    return password


def _load(path: Path) -> dict[str, dict[str, Any]]:
    """The users file as {name: record}; an absent file is an empty one."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    users = (data.get("users") or {}) if isinstance(data, dict) else None
    if not isinstance(users, dict):
        raise UserError(f"用户文件格式不对：{path}")
    return {str(k): v for k, v in users.items() if isinstance(v, dict)}


def _save(path: Path, users: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the file atomically (temp file beside it, then rename), mode 0600 from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ("# 驾驶舱用户（argon2id 口令散列）。用 `python -m ui.users` 管理，勿手工写入口令。\n"
            + yaml.safe_dump({"users": dict(users)}, allow_unicode=True, sort_keys=True))
    fd, tmp = tempfile.mkstemp(prefix=".users-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _user(name: str, record: Mapping[str, Any]) -> User:
    """A record of the file as a User."""
    return User(name=name, role=str(record.get("role", "")), area=str(record.get("area") or ""),
                disabled=bool(record.get("disabled", False)))


def _change(name: str, path: Path | None, edit) -> User:
    """Load, apply `edit(users)` to an existing user's record, save; UserError for an unknown user."""
    path = path or users_path()
    with _write_lock:
        users = _load(path)
        if name not in users:
            raise UserError(f"没有用户“{name[:MAX_NAME]}”。 Unknown user.")
        edit(users[name])
        _save(path, users)
        return _user(name, users[name])


def add_user(name: str, role: str, password: str, area: str = "", path: Path | None = None) -> User:
    """Add a user (role as key or Chinese label); UserError if the name exists or a value is refused."""
    path = path or users_path()
    name, role = check_name(name), parse_role(role)
    area = check_area(role, area)
    check_password(password)
    with _write_lock:
        users = _load(path)
        if name in users:
            raise UserError(f"用户“{name}”已存在；改口令用 reset。 User exists.")
        users[name] = {"role": role, "area": area, "disabled": False, "hash": _hasher.hash(password)}
        _save(path, users)
        return _user(name, users[name])


def set_disabled(name: str, disabled: bool, path: Path | None = None) -> User:
    """Disable (refuse every sign-in; open sessions end at their next action) or enable a user."""
    user = _change(name, path, lambda record: record.update(disabled=disabled))
    signin_store.bump(name)
    return user


def disable_user(name: str, path: Path | None = None) -> User:
    """Refuse the user's sign-ins from now on (a signed-in session ends on its next rerun)."""
    return set_disabled(name, True, path)


def enable_user(name: str, path: Path | None = None) -> User:
    """Allow a disabled user again."""
    return set_disabled(name, False, path)


def reset_password(name: str, password: str, path: Path | None = None) -> User:
    """Give a user a new password (a new salt with it)."""
    check_password(password)
    user = _change(name, path, lambda record: record.update(hash=_hasher.hash(password)))
    signin_store.bump(name)  # whoever knew the old password is signed out at their next action
    signin_store.unlock(name)
    return user


def end_sessions(name: str) -> int:
    """End every open session of a user (退出全部设备) at its next action; returns the new generation."""
    return signin_store.bump(name)


def is_user(name: str, path: Path | None = None) -> bool:
    """Whether the name is in the users file (so a failed sign-in is logged under it, not verbatim)."""
    try:
        return name in _load(path or users_path())
    except _UNREADABLE:
        return False


def list_users(path: Path | None = None) -> list[User]:
    """Every user in the file, by name."""
    return [_user(name, record) for name, record in sorted(_load(path or users_path()).items())]


def has_users(path: Path | None = None) -> bool:
    """Whether the users file exists and holds at least one user."""
    try:
        return bool(_load(path or users_path()))
    except _UNREADABLE:
        return False


# Verifying an unknown name against this hash costs the same as a real check, so timing does not tell
# whether a name exists.
_DUMMY_HASH = _hasher.hash("no such user: timing equaliser")


def verify(name: str, password: str, path: Path | None = None) -> User | None:
    """The user if the name exists, is enabled, has a known role and the password matches; else None."""
    path = path or users_path()
    try:
        record = _load(path).get(name)
    except _UNREADABLE:
        record = None
    stored = str(record.get("hash", "")) if record else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or record is None:
        return None
    user = _user(name, record)
    if user.disabled or user.role not in ROLES or (user.role == "township" and not AREA.match(user.area)):
        return None
    if _hasher.check_needs_rehash(stored):  # parameters moved on: store a fresh hash, quietly
        try:
            _change(name, path, lambda r: r.update(hash=_hasher.hash(password)))
        except (UserError, OSError):
            pass
    return user


def current_record(user: User, path: Path | None = None) -> User | None:
    """The file's present view of a signed-in user (None if removed), to end sessions of disabled users."""
    try:
        record = _load(path or users_path()).get(user.name)
    except _UNREADABLE:
        return None
    return _user(user.name, record) if record else None
