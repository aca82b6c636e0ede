"""Thousands of damaged and random inputs: the parser always returns, never raises."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.model import FileError, Issue
from index.parse import parse_bytes

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").iterdir())
SEED_BYTES = [path.read_bytes() for path in SEEDS]


def assert_parses(data: bytes) -> None:
    result = parse_bytes(data, "fuzz.md")
    assert isinstance(result, Issue | FileError)
    if isinstance(result, FileError):
        # Only the documented reasons; an internal error would be a parser bug.
        assert "internal parser error" not in result.reason, result.reason


def mutate(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(7)
    if choice == 0:  # truncation
        return data[: rng.randrange(len(data) + 1)]
    if choice == 1:  # random bytes overwritten
        buffer = bytearray(data)
        for _ in range(rng.randrange(1, 50)):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        return bytes(buffer)
    lines = data.split(b"\n")
    if choice == 2:  # shuffled lines
        rng.shuffle(lines)
    elif choice == 3:  # broken YAML
        lines.insert(rng.randrange(1, 6), rng.choice([b"title: [", b": :", b"- x", b"\t\tk: v"]))
    elif choice == 4:  # dropped lines
        lines = [line for line in lines if rng.random() > 0.3]
    elif choice == 5:  # duplicated and re-indented lines
        index = rng.randrange(len(lines))
        lines[index:index] = [b"  " * rng.randrange(6) + lines[index]] * rng.randrange(1, 5)
    else:  # brackets and markup sprinkled in
        junk = [b"[", b"]", b"(", b")", b"[[", b"]](", b"\\", b"`", b"#", b"- ", b"<X/>", b"\xff"]
        for _ in range(rng.randrange(1, 30)):
            index = rng.randrange(len(lines))
            cut = rng.randrange(len(lines[index]) + 1)
            lines[index] = lines[index][:cut] + rng.choice(junk) + lines[index][cut:]
    return b"\n".join(lines)


def test_two_thousand_mutations_of_the_seed_files_never_raise():
    rng = random.Random(20171025)
    for _ in range(2000):
        data = rng.choice(SEED_BYTES)
        for _ in range(rng.randrange(1, 4)):
            if data:
                data = mutate(data, rng)
        assert_parses(data)


PATCHY = st.text(
    alphabet=st.sampled_from(list("[]()-,:/ \n\t#>*`\\vV0123456789PATCHRFCnet-xbpf.hé•<>_")),
    max_size=300,
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(PATCHY, st.text(max_size=300)))
def test_random_text_never_raises(text):
    assert_parses(("## Patches\n\n- " + text).encode())
    assert_parses(text.encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    assert_parses(data)
