"""Deterministic arithmetic of the demo's plan: stable pseudo-random integers from keys, and whole-number
splits of a total over weights that always add up to the total. No random generator: two runs, on any
machine, plan the same rows."""

import zlib
from collections.abc import Sequence

from core.periods import Month


def stable_int(*key) -> int:
    """A well-spread non-negative integer from a key: the same on every run and every machine."""
    return zlib.crc32("\x1f".join(str(part) for part in key).encode())


def split_by_weights(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` into whole parts proportional to integer `weights` (largest remainder; ties go to the
    earlier position). The parts always add up to `total`."""
    if total < 0:
        raise ValueError("cannot split a negative total")
    if not weights:
        if total:
            raise ValueError(f"nothing to split {total} over")
        return []
    if any(w < 0 for w in weights) or not sum(weights):
        raise ValueError("weights must be non-negative and not all zero")
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    short = total - sum(parts)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:short]:
        parts[i] += 1
    return parts


def split_capped(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Like split_by_weights, but no part exceeds its cap (what a cap leaves over goes to the others)."""
    if total > sum(caps):
        raise ValueError(f"cannot fit {total} under caps adding up to {sum(caps)}")
    parts = [0] * len(caps)
    remaining = total
    while remaining:
        open_ = [i for i in range(len(caps)) if parts[i] < caps[i]]
        shares = split_by_weights(remaining, [max(weights[i], 1) for i in open_])
        for i, share in zip(open_, shares, strict=True):
            taken = min(share, caps[i] - parts[i])
            parts[i] += taken
            remaining -= taken
    return parts


def percent_of(value: int, percent: int) -> int:
    """`percent` % of `value`, rounded half up."""
    return (value * percent + 50) // 100


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from `first` to `last`, both included."""
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]
