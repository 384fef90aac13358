"""Sign-in through the office's identity provider: the ID token's claims → a User, or why not (a Refusal).
No streamlit; the gate (ui/auth.py) asks it."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ui.accounts import AREA, ROLES, User, parse_role

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
