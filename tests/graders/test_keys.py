"""Per-student hidden inputs (nnlab.graders.keys): keyed, repeatable, unpredictable without the secret."""
from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from nnlab.graders import keys
from nnlab.graders.keys import load_or_create_secret, secret_path_from_environment, student_key, student_rng, student_seed

SECRET = b"0123456789abcdef" * 4
OTHER_SECRET = b"fedcba9876543210" * 4


def seed(secret: bytes, student: str, test: str) -> int:
    return student_seed(student_key(secret, student), test)


def draws(secret: bytes, student: str, test: str) -> np.ndarray:
    rng = student_rng(student_key(secret, student), test)
    return np.concatenate([rng.normal(size=5), rng.integers(0, 2**31, size=3).astype(float)])


# -- the draws ----------------------------------------------------------------------------------
def test_same_secret_student_and_test_give_the_same_draws():
    first = draws(SECRET, "s1234", "test_relu[3]")
    again = draws(SECRET, "s1234", "test_relu[3]")
    np.testing.assert_array_equal(first, again)
    assert seed(SECRET, "s1234", "test_relu[3]") == seed(SECRET, "s1234", "test_relu[3]")


def test_the_seed_is_a_64_bit_number_that_does_not_depend_on_the_process():
    # HMAC-SHA256, not Python's salted hash(): the same value at every regrade.
    import hashlib
    import hmac
    key = hmac.new(SECRET, b"student\x00alice", hashlib.sha256).digest()
    expected = int.from_bytes(hmac.new(key, b"test_a", hashlib.sha256).digest()[:8], "big")
    assert seed(SECRET, "alice", "test_a") == expected
    assert 0 <= expected < 2**64


@pytest.mark.parametrize("other", [
    (SECRET, "s1235", "test_relu[3]"),       # another student
    (SECRET, "s1234", "test_relu[4]"),       # another test
    (SECRET, "s1234", "test_sigmoid"),
    (OTHER_SECRET, "s1234", "test_relu[3]"),  # another course secret
    (SECRET, "", "s1234test_relu[3]"),       # the two fields are not simply glued together
    (SECRET, "s1234test_relu[3]", ""),
])
def test_anything_else_gives_different_draws(other):
    base = draws(SECRET, "s1234", "test_relu[3]")
    assert seed(*other) != seed(SECRET, "s1234", "test_relu[3]")
    assert not np.array_equal(draws(*other), base)


def test_many_students_get_pairwise_different_seeds():
    seeds = {seed(SECRET, f"student{i:04d}", "test_backprop") for i in range(2000)}
    assert len(seeds) == 2000


def test_unicode_student_ids_work():
    a = draws(SECRET, "zoë-ünïcode", "test_x")
    np.testing.assert_array_equal(a, draws(SECRET, "zoë-ünïcode", "test_x"))
    assert not np.array_equal(a, draws(SECRET, "zoe-unicode", "test_x"))


def test_the_rng_is_a_numpy_generator():
    assert isinstance(student_rng(student_key(SECRET, "a"), "b"), np.random.Generator)


def test_a_students_key_is_not_the_secret_and_tells_nothing_of_another_students():
    # a grading worker elsewhere gets only the key of the student it grades
    alice, bob = student_key(SECRET, "alice"), student_key(SECRET, "bob")
    assert len(alice) == 32 and alice != bob
    assert SECRET not in alice and alice != student_key(OTHER_SECRET, "alice")
    assert seed(SECRET, "bob", "test_a") != student_seed(alice, "test_a")


# -- the secret ----------------------------------------------------------------------------------
def test_the_secret_is_created_on_first_use_with_mode_0600(tmp_path):
    path = tmp_path / "nested" / "dir" / "course-secret"
    secret = load_or_create_secret(path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(rb"[0-9a-f]{64}", secret)
    assert path.read_text() == secret.decode() + "\n"
    assert [p.name for p in path.parent.iterdir()] == ["course-secret"]  # no draft left behind


def test_the_secret_file_is_private_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        load_or_create_secret(tmp_path / "s" / "secret")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "s" / "secret").stat().st_mode) == 0o600


def test_the_secret_is_reused(tmp_path):
    path = tmp_path / "secret"
    first = load_or_create_secret(path)
    before = path.stat()
    assert load_or_create_secret(path) == first
    assert load_or_create_secret(Path(str(path))) == first
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)


def test_two_new_secrets_differ(tmp_path):
    assert load_or_create_secret(tmp_path / "a") != load_or_create_secret(tmp_path / "b")


def test_an_existing_secret_is_read_not_replaced(tmp_path):
    path = tmp_path / "secret"
    path.write_text("  " + "ab" * 32 + "\n\n")
    assert load_or_create_secret(path) == b"ab" * 32
    assert path.read_text() == "  " + "ab" * 32 + "\n\n"


@pytest.mark.parametrize("content", ["", "\n", "short", "a" * 31, " " + "b" * 31 + " \n"])
def test_a_too_short_secret_is_rejected(tmp_path, content):
    path = tmp_path / "secret"
    path.write_text(content)
    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret(path)
    assert path.read_text() == content  # and left alone


def test_a_32_character_secret_is_the_shortest_accepted(tmp_path):
    path = tmp_path / "secret"
    path.write_text("c" * 32)
    assert load_or_create_secret(path) == b"c" * 32


def test_graders_starting_at_once_agree_on_one_secret(tmp_path):
    for attempt in range(10):
        path = tmp_path / f"run{attempt}" / "secret"
        barrier = threading.Barrier(8)
        results, errors = [], []

        def load(barrier=barrier, path=path, results=results, errors=errors):
            barrier.wait()
            try:
                results.append(load_or_create_secret(path))
            except Exception as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=load) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert errors == []
        assert len(results) == 8 and len(set(results)) == 1
        assert path.read_text().strip().encode() == results[0]
        assert [p.name for p in path.parent.iterdir()] == ["secret"]


def test_the_secret_path_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_SECRET", str(tmp_path / "from-env"))
    assert secret_path_from_environment() == tmp_path / "from-env"
    monkeypatch.delenv("NNLAB_SECRET")
    assert secret_path_from_environment() == keys.DEFAULT_SECRET_PATH
    assert keys.DEFAULT_SECRET_PATH.name == "nnlab-course-secret"
