"""Passwords: argon2id with argon2-cffi's defaults in production, cheap ones only in tests."""

from __future__ import annotations

import os
import subprocess
import sys

from argon2 import PasswordHasher

from clauses_service.auth import accounts


def test_production_hasher_uses_the_library_defaults():
    env = {k: v for k, v in os.environ.items() if k != "CLAUSES_TEST_FAST_HASHING"}
    probe = (
        "from clauses_service.auth import accounts as a; h = a._hasher; "
        "print(h.time_cost, h.memory_cost, h.parallelism, a._DUMMY_HASH.split('$')[1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    default = PasswordHasher()
    assert out == [
        str(default.time_cost),
        str(default.memory_cost),
        str(default.parallelism),
        "argon2id",
    ]


def test_test_hashes_are_argon2id_and_verify_with_the_production_hasher():
    stored = accounts._hasher.hash("un-mot-de-passe-solide")
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "un-mot-de-passe-solide")
