"""Charts for /stats, drawn with matplotlib's Agg backend into PNG bytes.

Drawing is CPU work of tens of milliseconds: callers run it off the event loop
(`asyncio.to_thread`). Figures are built with `matplotlib.figure.Figure` directly, never
through pyplot's global state, so concurrent threads do not share a figure.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

_cache_lock = threading.Lock()
_cache: dict[tuple[tuple[int, int], ...], bytes] = {}


def patches_per_issue_png(patches_per_issue: Sequence[tuple[int, int]]) -> bytes | None:
    """A bar chart of patch counts by issue number, as PNG bytes; None when there is no data.

    The result is cached by its input, so repeated /stats calls on an unchanged index
    cost nothing.
    """
    key = tuple((int(number), int(count)) for number, count in patches_per_issue)
    if not key:
        return None
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    numbers = [number for number, _ in key]
    counts = [count for _, count in key]
    figure = Figure(figsize=(8, 3.2), dpi=100)
    axes = figure.subplots()
    axes.bar([str(number) for number in numbers], counts, color="#f5a623")
    axes.set_xlabel("issue")
    axes.set_ylabel("patches")
    axes.set_title("Patches per issue")
    axes.spines[["top", "right"]].set_visible(False)
    if len(numbers) > 30:
        step = max(1, len(numbers) // 20)
        for position, label in enumerate(axes.get_xticklabels()):
            label.set_visible(position % step == 0)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = buffer.getvalue()
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = png
    return png
