"""The identity store (data/identity.py): encrypted at rest, masked by default, key outside var/."""

from __future__ import annotations

import pytest

from data import identity
from data.identity import IdentityStore, mask_cert, mask_name

ROWS = [(101, "张三明", "62010219800101123X41", "H0001"), (-7, "欧阳小明", "620102198502023456" + "12", "H0002")]


def test_masks() -> None:
    assert mask_name("张三明") == "张*明"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_cert("62010219800101123X41") == "…123X"


def test_store_round_trip_and_no_plain_text(tmp_path) -> None:
    key = identity.new_key().encode()
    path = tmp_path / "w.identity"
    assert identity.write_store(path, key, ROWS) == 2
    raw = path.read_bytes()
    for _, name, cert, household in ROWS:
        for secret in (name, cert, cert[:18], household):
            assert secret.encode("utf-8") not in raw
            assert secret.encode("gb18030") not in raw
    store = IdentityStore.open(path, key)
    people = store.people(["101", -7, 999])
    assert set(people) == {101, -7}
    assert people["101"].name == "张三明" and people[-7].masked_name == "欧**明"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_without_key_or_with_wrong_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(identity.KEY_ENV, raising=False)
    monkeypatch.delenv(identity.KEY_FILE_ENV, raising=False)
    path = tmp_path / "w.identity"
    identity.write_store(path, identity.new_key().encode(), ROWS)
    assert IdentityStore.open(path) is None
    assert "未配置姓名库密钥" in identity.unavailable_reason(path)
    other = identity.new_key()
    assert IdentityStore.open(path, other) is None
    assert "无法用当前密钥解密" in identity.unavailable_reason(path, other)


def test_key_file_inside_var_is_refused(monkeypatch) -> None:
    monkeypatch.delenv(identity.KEY_ENV, raising=False)
    monkeypatch.setenv(identity.KEY_FILE_ENV, str(identity.VAR / "identity.key"))
    with pytest.raises(identity.IdentityError, match="var/"):
        identity.configured_key()
