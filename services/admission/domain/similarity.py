"""Chinese text similarity (文本相似度) by character n-grams: no segmenter, so it works on any duty text.

Two texts are compared by the Dice coefficient of their character n-gram sets, after dropping punctuation
and spaces; "做好人口与计划生育宣传" and "人口与计划生育宣传引导" share most bigrams and score high.
"""

from __future__ import annotations

import functools
import unicodedata


@functools.lru_cache(maxsize=16384)
def grams(text: str, n: int = 2) -> frozenset[str]:
    """The text's character n-grams; a text shorter than ``n`` is its own single gram."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    if len(kept) <= n:
        return frozenset((kept,)) if kept else frozenset()
    return frozenset(kept[i : i + n] for i in range(len(kept) - n + 1))


def similarity(a: str, b: str, *, n: int = 2) -> float:
    """Dice coefficient of the two texts' n-gram sets, 0 (nothing shared) to 1 (the same grams)."""
    left, right = grams(a, n), grams(b, n)
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))


CO_OPERATING_MARKS = ("配合", "协助", "协同")
"""A street task worded this way is a co-operating duty (配合职责): the department leads, the street helps."""


def co_operating(text: str) -> bool:
    return text.lstrip().startswith(CO_OPERATING_MARKS)


def core(text: str) -> str:
    """A task's substance without its co-operation wording, so that '配合…做好X' and '做好X' compare equal."""
    stripped = text.lstrip()
    for mark in CO_OPERATING_MARKS:
        if stripped.startswith(mark):
            stripped = stripped[len(mark) :]
    return stripped.removeprefix("主管部门").removeprefix("有关部门")
