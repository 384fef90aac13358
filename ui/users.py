"""管理驾驶舱用户 / Manage dashboard users:
`python -m ui.users add|disable|enable|reset|signout|unlock|unlock-address|list`.

`reset` and `disable` also end the user's open sessions (at their next action); `signout` only does that;
`unlock` clears a lockout after too many failed sign-ins (the account's, and that of every address it was tried
from in the last hour; `reset` does the same); `unlock-address 1.2.3.4` clears one client address's failures.

The password is read with getpass (asked twice) on a terminal, or as the first line of stdin otherwise.
Exit codes: 0 done, 2 refused input (unknown role, bad area, unknown user, short password).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ui import signin_store
from ui.accounts import (
    ROLE_SCOPE,
    ROLES,
    UserError,
    add_user,
    check_area,
    check_area_known,
    check_name,
    disable_user,
    enable_user,
    end_sessions,
    list_users,
    parse_role,
    reset_password,
    users_path,
    warehouse_townships,
)

ROLE_HELP = "；".join(f"{label}（{key}）：{ROLE_SCOPE[key]}" for key, label in ROLES.items())


def read_password(confirm: bool = True) -> str:
    """A new password: getpass (twice) on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("口令 / password: ")
    if confirm and getpass.getpass("再输一次 / again: ") != first:
        raise UserError("两次输入的口令不一致。 The passwords differ.")
    return first


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        prog="python -m ui.users",
        description=f"管理驾驶舱用户（用户文件 {users_path()}，环境变量 USERS_FILE 可改）。"
                    f"Manage dashboard users (file set by env USERS_FILE). 角色 / roles: {ROLE_HELP}",
        epilog="口令：终端上用 getpass 输入两次；非终端时读取标准输入的第一行。"
               "Password: asked twice on a terminal, else the first line of stdin. "
               "退出码 / exit codes: 0 成功 ok, 2 输入被拒 refused input.")
    sub = p.add_subparsers(dest="command", required=True, metavar="{add,disable,enable,reset,signout,unlock,unlock-address,list}")
    add = sub.add_parser("add", help="添加用户 / add a user",
                         description="添加用户并设置口令。Add a user and set a password.")
    add.add_argument("name", help="用户名 / user name")
    add.add_argument("--role", required=True, help="角色 / role: 领导|分析|乡镇|宣传 (leader|analyst|township|press)")
    add.add_argument("--area", default="", help="乡镇角色必填：12位乡镇（街道）区划代码，须在数据仓库（WAREHOUSE_URL）中 / "
                                                "township role: 12-digit code of a township in the warehouse")
    add.add_argument("--unchecked-area", action="store_true",
                     help="不核对区划代码是否在数据仓库中（数据导入之前） / do not check the code against the warehouse")
    for command, text in (("disable", "停用用户（不能再登录，已登录的会话随即失效） / disable a user, ending their sessions"),
                          ("enable", "重新启用用户 / enable a user again"),
                          ("reset", "重设口令（已登录的会话随即失效） / reset a user's password, ending their sessions"),
                          ("signout", "结束该用户在所有设备上的登录 / end every session of a user"),
                          ("unlock", "解除登录失败过多造成的锁定（账号及近一小时内试过它的地址） / clear a lockout "
                                     "after failed sign-ins (the account's and its addresses' of the last hour)")):
        sub.add_parser(command, help=text, description=text).add_argument("name", help="用户名 / user name")
    text = "解除一个客户端地址因登录失败过多造成的限制 / clear a client address's failed sign-ins and lock"
    sub.add_parser("unlock-address", help=text, description=text).add_argument(
        "address", help="客户端地址，与审计日志 client 字段相同 / the address as in the audit log's client field")
    sub.add_parser("list", help="列出用户 / list users", description="列出用户 / list users")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; 2 on refused input."""
    args = parser().parse_args(argv)
    try:
        if args.command == "add":
            role = parse_role(args.role)  # refuse bad input before asking for a password
            area = check_area(role, args.area)
            check_name(args.name)
            if area and not args.unchecked_area:
                try:
                    townships = warehouse_townships()
                except Exception as exc:  # any reason the warehouse cannot be read is said
                    raise UserError(f"无法读取数据仓库以核对区划代码（{str(exc)[:200]}）；数据导入之前添加乡镇账号请加 "
                                    "--unchecked-area。 Cannot read the warehouse to check --area.") from exc
                print(f"区划代码 {area}：{check_area_known(area, townships)}")
            user = add_user(args.name, role, read_password(), args.area)
            print(f"已添加 / added: {user.name}（{user.role_label}{'，' + user.area if user.area else ''}）")
        elif args.command == "disable":
            print(f"已停用 / disabled: {disable_user(args.name).name}")
        elif args.command in ("signout", "unlock"):
            if args.name not in {u.name for u in list_users()}:
                raise UserError(f"没有用户“{args.name}”。 Unknown user.")
            if args.command == "signout":
                end_sessions(args.name)
                print(f"已结束全部会话 / sessions ended: {args.name}")
            else:
                addresses = signin_store.unlock(args.name)
                print(f"已解锁 / unlocked: {args.name}（及 {addresses} 个地址 / and {addresses} address(es)）")
        elif args.command == "unlock-address":
            address = args.address.strip()
            if not address or len(address) > 64 or not address.isprintable():
                raise UserError("地址无效。 Invalid address.")
            had = signin_store.unlock_address(address)
            print(f"已解除 / cleared: {address}" if had else f"该地址没有失败记录 / no failures recorded: {address}")
        elif args.command == "enable":
            print(f"已启用 / enabled: {enable_user(args.name).name}")
        elif args.command == "reset":
            if args.name not in {u.name for u in list_users()}:
                raise UserError(f"没有用户“{args.name}”。 Unknown user.")
            print(f"已重设口令 / password reset: {reset_password(args.name, read_password()).name}")
        else:
            users = list_users()
            if not users:
                print(f"没有用户 / no users（{users_path()}）。添加 / add: python -m ui.users add 管理员 --role 分析")
            for user in users:
                state = "停用 disabled" if user.disabled else "启用 enabled"
                print(f"{user.name}\t{user.role_label}（{user.role}）\t{user.area or '全县'}\t{state}")
    except UserError as exc:
        print(f"错误 / error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
