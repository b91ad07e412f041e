"""What the register and portal benchmarks share: percentiles of repeated work, a search word.

Imported by benchmarks/register.py and benchmarks/portal.py, which run as scripts from the
repository root (their own folder is then first on sys.path).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable


def repeat(work: Callable[[], object], runs: int, warmup: int) -> dict[str, float]:
    """p50 and p95 in milliseconds of `runs` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": statistics.median(samples), "p95": cuts[94], "runs": runs}


def common_word() -> str:
    """The most frequent word of six letters or more among the first 2,000 titles."""
    from amparo.cases.models import Entry

    words: Counter[str] = Counter()
    for title in Entry.objects.order_by("id").values_list("title", flat=True)[:2000]:
        words.update({w for w in re.findall(r"[^\W\d_]{6,}", title.lower())})
    return words.most_common(1)[0][0]
