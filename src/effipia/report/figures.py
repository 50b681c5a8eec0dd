"""Charts of the reports (matplotlib): SVG inline in the HTML, PNG at 300 dpi on disk.

Colour-blind-safe palette (Okabe & Ito) doubled by hatching and by direct value labels,
so a chart reads in black and white; text stays text in the SVG (searchable, and read by
screen readers through the figure's alternative text). A chart receives only published
values: a suppressed cell reaches it as ``None`` and is drawn as an empty slot labelled
« s », never as a number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from effipia.formatting import number  # noqa: E402

__all__ = [
    "PALETTE",
    "HATCHES",
    "bars",
    "grouped_bars",
    "campus_distribution",
    "relations_graph",
    "diverging_bars",
    "profiles_by_campus",
    "stacked_bars",
    "to_svg",
    "to_png",
]

#: Okabe–Ito colours, darkest first (contrast ≥ 4.5:1 on white for the first two).
PALETTE = ("#0b5394", "#b35900", "#007a5a", "#a3487f", "#3d3d3d", "#56B4E9", "#D55E00")
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "ooo", "---")
GREY = "#6b6b6b"

plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "effipia",
        "font.family": "DejaVu Sans",
        "font.size": 8.5,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#444444",
        "axes.labelcolor": "#222222",
        "xtick.color": "#222222",
        "ytick.color": "#222222",
        "hatch.linewidth": 0.6,
        "hatch.color": "white",
    }
)


def _legend(ax, **options) -> None:
    """The axes' legend, when something in them is labelled (every series may be suppressed
    by the disclosure rule: then there is nothing to explain and matplotlib would warn)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**options)


def _fr(value: float, digits: int) -> str:
    return number(round(value, digits), digits)


def _height(n: int, per: float = 0.28, base: float = 0.9) -> float:
    return max(2.2, base + per * n)


def _wrap(text: str, width: int = 42) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def bars(labels: Sequence[str], values: Sequence[float | None], *, digits: int = 0, unit: str = "", xmax: float | None = None, highlight: int | None = None):
    """Horizontal bars, one per label, value printed at the end of each bar."""
    fig, ax = plt.subplots(figsize=(6.6, _height(len(labels))))
    ys = list(range(len(labels)))[::-1]
    top = xmax or max([v for v in values if v is not None] or [1]) * 1.15
    for y, v, i in zip(ys, values, range(len(labels)), strict=True):
        if v is None:
            ax.text(0, y, " s", va="center", ha="left", color="#222222")
            continue
        colour = PALETTE[1] if highlight == i else PALETTE[0]
        ax.barh(y, v, color=colour, hatch=HATCHES[1] if highlight == i else "", edgecolor="white", height=0.7)
        ax.text(v + top * 0.01, y, _fr(v, digits) + unit, va="center", ha="left", color="#222222")
    ax.set_yticks(ys, [_wrap(label) for label in labels])
    ax.set_xlim(0, top)
    ax.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


def columns(labels: Sequence[str], values: Sequence[float | None], *, digits: int = 0, ylabel: str = ""):
    """Vertical bars, one per label (many campuses side by side), value above each bar."""
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    xs = list(range(len(labels)))
    top = max([v for v in values if v is not None] or [1]) * 1.18
    for x, v in zip(xs, values, strict=True):
        if v is None:
            ax.text(x, 0, "s", ha="center", va="bottom", fontsize=7)
            continue
        ax.bar(x, v, color=PALETTE[0], width=0.7)
        ax.text(x, v + top * 0.01, _fr(v, digits), ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_ylim(0, top)
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, digits: int = 0, unit: str = ""):
    """Horizontal grouped bars: one group per label, one bar per series (legend below)."""
    k = len(series)
    fig, ax = plt.subplots(figsize=(6.6, _height(len(labels) * k, per=0.2, base=1.3)))
    height = 0.8 / k
    top = max([v for _, vs in series for v in vs if v is not None] or [1]) * 1.18
    for j, (name, values) in enumerate(series):
        for i, v in enumerate(values):
            y = (len(labels) - 1 - i) + (k - 1 - j - (k - 1) / 2) * height
            if v is None:
                ax.text(0, y, " s", va="center", ha="left", fontsize=7)
                continue
            ax.barh(y, v, height=height * 0.95, color=PALETTE[j], hatch=HATCHES[j], edgecolor="white", label=name if i == 0 else None)
            ax.text(v + top * 0.01, y, _fr(v, digits) + unit, va="center", ha="left", fontsize=7)
    ax.set_yticks(range(len(labels))[::-1], [_wrap(label, 36) for label in labels])
    ax.set_xlim(0, top)
    ax.tick_params(axis="y", length=0)
    _legend(ax, loc="upper center", bbox_to_anchor=(0.4, -0.06), ncol=min(k, 3), frameon=False)
    fig.tight_layout()
    return fig


def stacked_bars(labels: Sequence[str], parts: Sequence[tuple[str, Sequence[float | None]]], *, digits: int = 0):
    """100 % stacked horizontal bars (one per label), parts in order, legend below."""
    fig, ax = plt.subplots(figsize=(6.6, _height(len(labels), per=0.42, base=1.6)))
    ys = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for j, (name, values) in enumerate(parts):
        for i, v in enumerate(values):
            if v is None:
                continue
            ax.barh(ys[i], v, left=left[i], color=PALETTE[j % len(PALETTE)], hatch=HATCHES[j % len(HATCHES)], edgecolor="white", height=0.6, label=name if i == 0 else None)
            if v >= 6:
                ax.text(left[i] + v / 2, ys[i], _fr(v, digits), ha="center", va="center", color="white", fontsize=7, fontweight="bold",
                        bbox={"boxstyle": "square,pad=0.1", "fc": PALETTE[j % len(PALETTE)], "ec": "none"})
            left[i] += v
    ax.set_yticks(ys, [_wrap(label, 30) for label in labels])
    ax.set_xlim(0, 100)
    _legend(ax, loc="upper center", bbox_to_anchor=(0.4, -0.08), ncol=2, frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


#: Above this many campuses the distribution chart of a campus report draws the others as a
#: box plot instead of one dot each (500 campuses: 2 500 dots made each campus report
#: 400 KB of SVG and its PDF several times slower; benchmarks/README.md).
DOTS_MAX = 60


def campus_distribution(registers: Sequence[str], values: Sequence[Sequence[float]], highlight: Sequence[float | None], *, labels: tuple[str, str]):
    """One row per register: every campus as a grey dot (anonymous), the campus as a large
    dark diamond; the median as a vertical tick. Above :data:`DOTS_MAX` campuses the others
    are a box plot (quartiles, median, whiskers at the 5th and 95th percentiles)."""
    fig, ax = plt.subplots(figsize=(6.6, _height(len(registers), per=0.55, base=1.2)))
    ys = list(range(len(registers)))[::-1]
    for y, vs, h in zip(ys, values, highlight, strict=True):
        if len(vs) > DOTS_MAX:  # too many campuses for dots: a box (quartiles, 5th–95th percentiles)
            ax.boxplot([vs], positions=[y], vert=False, widths=0.45, whis=(5, 95), showfliers=False, manage_ticks=False,
                       boxprops={"color": GREY}, whiskerprops={"color": GREY}, capprops={"color": GREY},
                       medianprops={"color": "#222222", "linewidth": 1.2})
            if y == ys[0]:
                ax.plot([], [], color=GREY, label=labels[1])
        elif vs:
            jitter = [((i * 37) % 11 - 5) * 0.025 for i in range(len(vs))]
            ax.scatter(vs, [y + j for j in jitter], s=16, facecolors="white", edgecolors=GREY, linewidths=0.9, label=labels[1] if y == ys[0] else None, zorder=2)
            med = sorted(vs)[len(vs) // 2] if len(vs) % 2 else sum(sorted(vs)[len(vs) // 2 - 1 : len(vs) // 2 + 1]) / 2
            ax.plot([med, med], [y - 0.3, y + 0.3], color="#222222", linewidth=1.2, zorder=1)
        if h is not None:
            ax.scatter([h], [y], s=90, marker="D", color=PALETTE[1], edgecolors="black", linewidths=0.8, label=labels[0] if y == ys[0] else None, zorder=3)
            ax.text(h, y + 0.36, _fr(h, 0), ha="center", va="bottom", fontsize=7.5, fontweight="bold")
    ax.set_yticks(ys, [_wrap(r, 28) for r in registers])
    ax.set_xlim(0, 100)
    ax.set_xlabel("Note de 0 à 100")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend(ax, loc="upper center", bbox_to_anchor=(0.4, -0.18), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def relations_graph(nodes: Sequence[str], edges: dict[tuple[int, int], float | None], *, digits: int = 0):
    """Directed graph of relations between categories: arrow width ∝ share, share printed."""
    import math

    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    k = len(nodes)
    pos = [(math.cos(math.pi / 2 + 2 * math.pi * i / k), math.sin(math.pi / 2 + 2 * math.pi * i / k)) for i in range(k)]
    for (a, b), share in edges.items():
        if share is None or a == b:
            continue
        (x1, y1), (x2, y2) = pos[a], pos[b]
        arrow = FancyArrowPatch((x1, y1), (x2, y2), connectionstyle="arc3,rad=0.18", arrowstyle="-|>", mutation_scale=10,
                                linewidth=0.4 + share / 12, color=PALETTE[0], alpha=0.85, shrinkA=28, shrinkB=28)
        ax.add_patch(arrow)
        mx, my = (x1 + x2) / 2 + 0.18 * (y2 - y1) * 0.5, (y1 + y2) / 2 - 0.18 * (x2 - x1) * 0.5
        ax.text(mx, my, _fr(share, digits), fontsize=7, ha="center", va="center", bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"})
    for i, (x, y) in enumerate(pos):
        loop = edges.get((i, i))
        text = _wrap(nodes[i], 16) + (f"\n({_fr(loop, digits)} entre eux)" if loop is not None else "")
        ax.text(x, y, text, ha="center", va="center", fontsize=8, color="white", fontweight="bold",
                bbox={"boxstyle": "round,pad=0.5", "fc": PALETTE[0], "ec": "black"})
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.4, 1.4)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def diverging_bars(labels: Sequence[str], positive: Sequence[float | None], negative: Sequence[float | None], *, names: tuple[str, str]):
    """Satisfaction to the right, dissatisfaction to the left, one row per campus."""
    fig, ax = plt.subplots(figsize=(6.6, _height(len(labels), per=0.22)))
    ys = list(range(len(labels)))[::-1]
    for y, p, n in zip(ys, positive, negative, strict=True):
        if p is not None:
            ax.barh(y, p, color=PALETTE[0], height=0.7, label=names[0] if y == ys[0] else None)
            ax.text(p + 1, y, _fr(p, 0), va="center", fontsize=6.5)
        if n is not None:
            ax.barh(y, -n, color=PALETTE[1], hatch=HATCHES[1], edgecolor="white", height=0.7, label=names[1] if y == ys[0] else None)
            ax.text(-n - 1, y, _fr(n, 0), va="center", ha="right", fontsize=6.5)
        if p is None and n is None:
            ax.text(0, y, " s", va="center", fontsize=6.5)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(ys, labels)
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
    _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def profiles_by_campus(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]):
    """Each campus a column, each register a marker shape and colour (B&W-safe)."""
    markers = ("o", "s", "^", "D", "v", "P")
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    xs = list(range(len(labels)))
    for j, (name, values) in enumerate(series):
        pts = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], linestyle="none", marker=markers[j % len(markers)],
                    color=PALETTE[j % len(PALETTE)], markersize=4.5, label=name)
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Note de 0 à 100")
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    _legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=7)
    fig.tight_layout()
    return fig


_XML_HEAD = re.compile(r"^.*?(?=<svg)", re.S)


def to_svg(fig, *, key: str, alt: str) -> str:
    """The figure as inline SVG: no XML prologue, ids prefixed by ``key`` (several charts in
    one page), ``role="img"`` with a ``<title>`` holding the alternative text."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _XML_HEAD.sub("", buffer.getvalue(), count=1)
    prefix = key.replace("_", "-") + "-"
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', svg)
    title_id = f"{prefix}title"
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{title_id}" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + f'<title id="{title_id}">{escape(alt)}</title>', svg, count=1)
    return svg


def to_png(fig, dpi: int = 300) -> bytes:
    """The figure as PNG bytes at ``dpi``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def close(fig) -> None:
    plt.close(fig)
