"""Who is signed in: roles scoped to an area, the users file (argon2 hashes), and the Streamlit sign-in gate.

The users file (`var/users.yaml`, env `USERS_FILE`, mode 0600) holds each user's role, area, disabled flag
and an argon2id hash; there is no built-in default password. Manage it with `python -m ui.users`.
Streamlit is imported only inside the gate functions, so the file functions stay usable from the command line.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ui import signin_store
from ui.audit import UNKNOWN_USER, audit

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
SESSION_KEY = "auth_user"
GEN_KEY = SESSION_KEY + "_generation"  # the user's session generation when this session signed in
SEEN_KEY = SESSION_KEY + "_seen"  # the session's last action (time.time())
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


# ---------------------------------------------------------------- identity provider claims


@dataclass(frozen=True)
class Refusal:
    """Why a provider's claims give no dashboard user: a stable reason for the audit log, a message for people."""

    reason: str
    message: str


NO_ROLE = Refusal("no known role in claims",
                  "您的统一身份认证账号未分配驾驶舱角色（领导、分析、乡镇或宣传），无法进入驾驶舱。请联系管理员。")
NO_AREA = Refusal("township role without a 12-digit area code",
                  "您的账号是乡镇角色，但统一身份认证未提供12位乡镇（街道）区划代码，无法进入驾驶舱。请联系管理员。")
NO_NAME = Refusal("no name, preferred_username, email or sub claim",
                  "统一身份认证未提供您的用户名，无法进入驾驶舱。请联系管理员。")


def unknown_area(area: str) -> Refusal:
    """A township code the warehouse does not have."""
    return Refusal("unknown township in claims",
                   f"您的账号所属乡镇（区划代码 {area}）不在本驾驶舱的数据中，无法进入驾驶舱。请联系管理员核对区划代码。")


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by name, or by a dotted path into nested claims (e.g. Keycloak's `realm_access.roles`)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def role_map() -> dict[str, str]:
    """Env OIDC_ROLE_MAP: the provider's own role or group names → role keys.

    Pairs separated by commas or semicolons, `name=role` with the role as Chinese label or English key:
    `OIDC_ROLE_MAP="县残联领导=领导,统计科=分析"`. A pair naming no known role raises UserError (the sign-in
    page says so), so a typo is found at once rather than refusing people one by one."""
    mapping: dict[str, str] = {}
    for pair in re.split(r"[,;，；]", os.environ.get("OIDC_ROLE_MAP") or ""):
        if pair.strip():
            name, _, role = pair.partition("=")
            mapping[name.strip()] = parse_role(role)
    return mapping


def role_of(value: Any, mapping: Mapping[str, str]) -> str | None:
    """A role key from a role claim: a string or a list of strings (the first known one counts), each a
    Chinese label (领导), an English key in any case (Leader) or a name of OIDC_ROLE_MAP."""
    for item in value if isinstance(value, list | tuple) else [value]:
        if not isinstance(item, str):
            continue
        text = item.strip()
        if text in mapping:
            return mapping[text]
        for key, label in ROLES.items():
            if text.lower() == key or text == label:
                return key
    return None


def user_or_refusal(claims: Mapping[str, Any]) -> User | Refusal:
    """An identity provider's claims → a User, or why not.

    Claim names come from env OIDC_ROLE_CLAIM (default "role") and OIDC_AREA_CLAIM (default "area"), plain
    or dotted; a township user's area must be a 12-digit code (the gate also checks the warehouse has it)."""
    role = role_of(claim(claims, os.environ.get("OIDC_ROLE_CLAIM") or "role"), role_map())
    if role is None:
        return NO_ROLE
    area = ""
    if role == "township":
        area = str(claim(claims, os.environ.get("OIDC_AREA_CLAIM") or "area") or "").strip()
        if not AREA.match(area):
            return NO_AREA
    name = next((str(claims[k]) for k in ("name", "preferred_username", "email", "sub") if claims.get(k)), "")
    return User(name=name[:64], role=role, area=area) if name else NO_NAME


DEFAULT_OIDC_MAX_AGE_HOURS = 12.0


def identity_is_fresh(claims: Mapping[str, Any], now: float | None = None) -> bool:
    """Whether the provider's sign-in (the ID token's `iat`) is recent enough to trust its role and area.

    Streamlit keeps the claims of the sign-in in its identity cookie for 30 days; past env
    OIDC_MAX_AGE_HOURS (default 12; 0 = no limit) a new session asks the provider again, so a role taken
    away at the platform ends within that time. Claims without `iat` cannot be dated and count as fresh."""
    try:
        hours = float(os.environ.get("OIDC_MAX_AGE_HOURS") or DEFAULT_OIDC_MAX_AGE_HOURS)
    except ValueError:
        hours = DEFAULT_OIDC_MAX_AGE_HOURS
    issued = claims.get("iat")
    if hours <= 0 or not isinstance(issued, int | float) or isinstance(issued, bool):
        return True
    return (time.time() if now is None else now) - issued <= hours * 3600


def user_from_claims(claims: Mapping[str, Any]) -> User | None:
    """An identity provider's claims → a User; None if the role claim is missing/unknown or the area bad."""
    user = user_or_refusal(claims)
    return user if isinstance(user, User) else None


# ---------------------------------------------------------------- the Streamlit gate


def idle_timeout_s() -> float:
    """Idle time after which a session is signed out: env IDLE_TIMEOUT_MIN (default 30 minutes; 0 = never)."""
    try:
        return float(os.environ.get("IDLE_TIMEOUT_MIN") or 30) * 60
    except ValueError:
        return 1800.0


def demo_mode() -> bool:
    """The public demo: env DEMO_MODE=1."""
    return os.environ.get("DEMO_MODE", "").strip().lower() in ("1", "true", "yes", "on")


def _oidc_configured() -> bool:
    """Whether st.secrets has an [auth] section (Streamlit's OIDC sign-in)."""
    import streamlit as st

    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # a broken secrets file must not take the sign-in page down
        return False


def _signed_in(user: User, source: str) -> User:
    """Keep the user in the session and audit the sign-in."""
    import streamlit as st

    st.session_state[SESSION_KEY] = user
    st.session_state[SOURCE_KEY] = source
    st.session_state.pop(ENDED_KEY, None)
    st.session_state[GEN_KEY] = signin_store.generation(user.name) if source != "demo" else 0
    st.session_state[SEEN_KEY] = time.time()
    audit("sign_in", user.name, role=user.role, area=user.area, method=source)
    return user


SOURCE_KEY = SESSION_KEY + "_source"
ENDED_KEY = SESSION_KEY + "_ended"  # why the session's sign-in just ended: said above the sign-in form
LIVE_KEY = "briefing_live"  # ui.briefing_ui's playing of this session (ended with the session)
ENDED_MESSAGES = {
    "account changed or disabled": "您的账号已停用或角色、乡镇已变更，请重新登录。",
    "sessions ended (reset, disable or sign-out everywhere)":
        "您的登录已失效（口令已重设、账号已停用或已在其他设备“退出全部设备”），请重新登录。",
}


def _forget() -> None:
    """Drop the session's user, and end the briefing this session was playing (the presenter view following
    it stops showing the notes, and its 下一页 turns nothing)."""
    import streamlit as st

    live = st.session_state.get(LIVE_KEY)
    if live:
        from ui import briefing

        briefing.live_end(str(live))
    for key in (SESSION_KEY, SOURCE_KEY, GEN_KEY, SEEN_KEY):
        st.session_state.pop(key, None)


def ended_reason(state: Any, now: float | None = None) -> str:
    """Why a session's sign-in no longer holds ('' while it does), from its session state alone — so the
    server can ask it outside a page run too (a deferred download, an exported file; ui/server_guard.py):
    no user; a file user disabled, removed or with another role or area; the user's sessions ended (reset,
    disable, 退出全部设备: the generation moved on); idle longer than IDLE_TIMEOUT_MIN. The public demo's
    user never ends. (An OIDC sign-out clears the user from the session, see `_session_user`.)"""
    user = state[SESSION_KEY] if SESSION_KEY in state else None
    if not isinstance(user, User):
        return "not signed in"
    source = state[SOURCE_KEY] if SOURCE_KEY in state else None
    if source == "demo":
        return ""
    if source == "password":
        record = current_record(user)
        if record is None or record.disabled or (record.role, record.area) != (user.role, user.area):
            return "account changed or disabled"
    if signin_store.generation(user.name) != (state[GEN_KEY] if GEN_KEY in state else 0):
        return "sessions ended (reset, disable or sign-out everywhere)"
    seen, idle = state[SEEN_KEY] if SEEN_KEY in state else None, idle_timeout_s()
    now = time.time() if now is None else now
    if idle > 0 and seen is not None and now - seen > idle:
        return "idle"
    return ""


def _end(user: User, reason: str, now: float) -> None:
    """End the session's sign-in: audit why, forget the user, keep the words for the sign-in form."""
    import streamlit as st

    if reason == "idle":
        seen = st.session_state.get(SEEN_KEY) or now
        audit("sign_out", user.name, reason="idle", idle_minutes=round((now - seen) / 60))
        message = f"超过{idle_timeout_s() / 60:.0f}分钟未操作，已自动退出登录，请重新登录。"
    else:
        audit("sign_out", user.name, reason=reason)
        message = ENDED_MESSAGES.get(reason, "")
    _forget()
    if message:
        st.session_state[ENDED_KEY] = message


def _session_user(touch: bool = True) -> User | None:
    """The session's user if still valid: OIDC still logged in, a file user still enabled with the same role,
    sessions not ended, not idle. `touch`: this run is the user's action (not a fragment's timer)."""
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    if not isinstance(user, User):
        return None
    if st.session_state.get(SOURCE_KEY) == "oidc" and not st.user.is_logged_in:
        _forget()
        return None
    now = time.time()
    reason = ended_reason(st.session_state, now)
    if reason:
        _end(user, reason, now)
        return None
    if touch:
        st.session_state[SEEN_KEY] = now
    return user


def fragment_user() -> User:
    """The first call of every `st.fragment` body: a fragment reruns without the page (every second, or on its
    own buttons), so without `require_user`. While the session's sign-in holds, its user (a fragment's timer is
    not an action: the idle clock goes on); once it has ended, the whole page reruns — to the sign-in form,
    saying why — and nothing of the fragment is drawn or done."""
    import streamlit as st

    if demo_mode():
        user = st.session_state.get(SESSION_KEY)
        return user if isinstance(user, User) else DEMO_USER
    user = _session_user(touch=False)
    if user is None:
        st.rerun()  # the app, not the fragment
    return user


def touch() -> None:
    """A fragment's own button was pressed: that is an action (the idle clock starts again)."""
    import streamlit as st

    if SEEN_KEY in st.session_state:
        st.session_state[SEEN_KEY] = time.time()


def _demo_user() -> User:
    """The public demo's read-only analyst, with a banner saying so."""
    import streamlit as st

    # In a container of its own: a projector slide hides it (ui.page.PRESENT_CSS).
    st.container(key="demo_banner").info(f"演示模式：已以只读分析员“{DEMO_NAME}”身份登录（仅供演示）。")
    if st.session_state.get(SESSION_KEY) != DEMO_USER:
        _signed_in(DEMO_USER, "demo")
    return DEMO_USER


OIDC_REFUSED_KEY = "oidc_refused"


def _known_townships() -> dict[str, str]:
    """The warehouse's townships by code. An unreadable warehouse raises: the app's failure page says why,
    since neither admitting nor refusing an area that cannot be checked would be right."""
    from ui import data

    return data.context("").townships


def _oidc_refused(claims: Mapping[str, Any], refusal: Refusal) -> None:
    """Say why the provider's account gets no dashboard role, audit it once per session, offer sign-out."""
    import streamlit as st

    if st.session_state.get(OIDC_REFUSED_KEY) != refusal.reason:  # once per session, not on every rerun
        st.session_state[OIDC_REFUSED_KEY] = refusal.reason
        who = next((str(claims[k]) for k in ("preferred_username", "email", "name", "sub") if claims.get(k)), "")
        audit("sign_in_failed", who, method="oidc", reason=refusal.reason, sub=str(claims.get("sub") or ""),
              role_claim=claim(claims, os.environ.get("OIDC_ROLE_CLAIM") or "role"),
              area_claim=claim(claims, os.environ.get("OIDC_AREA_CLAIM") or "area"))
    st.title("残联数据驾驶舱")
    st.error(refusal.message)
    st.caption("退出后可换用其他账号登录。")
    if st.button("退出登录", key="oidc_logout"):
        st.logout()  # Streamlit also ends the provider's session through its end_session_endpoint
    st.stop()


def _oidc_user() -> User:
    """Sign in through the office's identity provider and map its claims to a role and area."""
    import streamlit as st

    if not st.user.is_logged_in:
        st.title("残联数据驾驶舱")
        st.write("请使用单位统一身份认证登录。")
        if st.button("登录", key="oidc_login", type="primary"):
            st.login(os.environ.get("OIDC_PROVIDER") or None)
        st.stop()
    claims = st.user.to_dict()
    if not identity_is_fresh(claims):
        st.title("残联数据驾驶舱")
        st.info("统一身份认证的登录已超过规定时长，请重新登录，以便按您当前的角色和乡镇显示。")
        if st.button("重新登录", key="oidc_relogin", type="primary"):
            st.login(os.environ.get("OIDC_PROVIDER") or None)
        st.stop()
    try:
        user = user_or_refusal(claims)
    except UserError as exc:  # a bad OIDC_ROLE_MAP: the administrator's to fix, said plainly
        st.error(f"服务器设置 OIDC_ROLE_MAP 有误，暂时无法登录，请联系管理员。{exc}")
        st.stop()
        raise AssertionError("unreachable") from exc
    if isinstance(user, User) and user.role == "township" and user.area not in _known_townships():
        user = unknown_area(user.area)
    if isinstance(user, Refusal):
        _oidc_refused(claims, user)
        raise AssertionError("unreachable")  # st.stop() raises
    st.session_state.pop(OIDC_REFUSED_KEY, None)
    return _signed_in(user, "oidc")


def _password_user() -> User:
    """The username/password form; explains how to add the first user when there is none."""
    import streamlit as st

    st.title("残联数据驾驶舱")
    try:
        _load(users_path())
    except _UNREADABLE as exc:
        st.error(f"用户文件 `{users_path()}` 无法读取（{type(exc).__name__}），暂时无法登录。请管理员检查该文件。")
        st.stop()
    if not has_users():
        st.warning("尚未创建任何用户，无法登录。")
        st.markdown(f"请管理员在服务器上的项目目录中运行以下命令添加第一个用户（按提示输入口令），然后刷新本页：\n\n"
                    f"```bash\n{FIRST_USER_COMMAND}\n```\n\n"
                    f"角色可选：领导、分析、乡镇（需 `--area` 12位乡镇代码）、宣传。用户文件：`{users_path()}`。")
        st.stop()
    with st.form("signin", clear_on_submit=True):
        name = st.text_input("用户名", key="signin_name", max_chars=MAX_NAME)
        password = st.text_input("口令", type="password", key="signin_password", max_chars=256)
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        _password_attempt(name.strip(), password)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; keeps type checkers honest


def _password_attempt(name: str, password: str) -> None:
    """One sign-in attempt, counted in the shared store first: refused while the account or the address
    must wait or is locked; a wrong password is a failure of the address; audited under the user's name, or
    as unknown (never the typed text)."""
    import streamlit as st

    from ui.audit import session_context

    if not name or not password:
        st.error("请输入用户名和口令。")
        return
    who = name if is_user(name) else UNKNOWN_USER
    client = session_context()[1]
    verdict = signin_store.begin(name, client)
    if not verdict.allowed:
        audit("sign_in_refused", who, method="password", reason=verdict.reason, wait_s=round(verdict.wait_s))
        if verdict.reason == "locked":
            st.error(f"尝试次数过多，该账号或本机地址已暂时锁定，请{max(1, round(verdict.wait_s / 60))}分钟后再试，"
                     "或请管理员解锁。")
        else:
            st.error(f"尝试过于频繁，请{max(1, round(verdict.wait_s))}秒后再试。")
        return
    user = None
    try:
        user = verify(name, password)
    finally:
        if user is None:  # a wrong password (or a check that failed) is a failure of the address
            signin_store.failed(client, verdict.ticket)
    if user is None:
        audit("sign_in_failed", who, method="password")
        st.error("用户名或口令不正确，或账号已停用。")
        return
    signin_store.succeeded(name, client, verdict.ticket)
    _signed_in(user, "password")
    st.rerun()


def require_user() -> User:
    """The signed-in user; otherwise draw the sign-in (demo, OIDC or password form) and st.stop()."""
    if demo_mode():
        return _demo_user()
    user = _session_user()
    if user is not None:
        return user
    import streamlit as st

    ended = st.session_state.pop(ENDED_KEY, None)
    if ended:
        st.info(ended)
    if _oidc_configured():
        return _oidc_user()
    return _password_user()


def sign_out_button() -> None:
    """Sidebar: who is signed in, and 退出登录 (not in demo mode)."""
    import streamlit as st

    user = st.session_state.get(SESSION_KEY)
    if not isinstance(user, User):
        return
    area = f"，{user.area}" if user.area else ""
    # The name comes from the users file or the provider's `name` claim: plain text, never Markdown (a
    # name like "![](http://…)" or "www.…" would otherwise be an image to fetch or a link).
    st.sidebar.text(f"已登录：{user.name}（{user.role_label}{area}）")
    if user.read_only and demo_mode():
        return
    if st.sidebar.button("退出登录", key="sign_out"):
        source = st.session_state.get(SOURCE_KEY)
        audit("sign_out", user.name, method=source)
        _forget()
        if source == "oidc":
            # st.logout clears st.user and sends the browser to /auth/logout, which redirects to the provider's
            # end_session_endpoint (its session ends too). Stop, not rerun: a rerun drops that redirect.
            st.logout()
            st.stop()
        st.rerun()
    if st.sidebar.button("退出全部设备", key="sign_out_all", help="结束本账号在所有浏览器和设备上的登录"):
        source = st.session_state.get(SOURCE_KEY)
        end_sessions(user.name)
        audit("sign_out_all", user.name, method=source)
        _forget()
        if source == "oidc":
            st.logout()
        st.rerun()
