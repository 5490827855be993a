"""Plotly figure specs (plain dicts) for the report: labelled axes, touchpoint names, one colour per touchpoint.

Plotly renders a subset of HTML in names, labels and hover text, so every name goes in as plain text."""

from __future__ import annotations

from miner.report.inert import plotly_text
from miner.report.trends import p_text

FONT = {"family": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", "size": 13, "color": "#1f2933"}
GRID = "#e6e9ef"
# Colour alone does not tell touchpoints apart for a colour-blind reader (deuteranopia turns three of the palette's
# lines one olive): each touchpoint also gets its own line dash and marker symbol, by its place in the report.
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "cross", "pentagon", "hexagon"]
STAGE_NAMES = {"pre-purchase": "Before purchase", "purchase": "During purchase", "post-purchase": "After purchase"}


def _layout(**extra: object) -> dict:
    layout: dict[str, object] = {
        "font": FONT,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 10, "r": 20, "t": 10, "b": 50},
        "hoverlabel": {"font": {"family": FONT["family"]}},
    }
    layout.update(extra)
    return layout


def _axis(title: str, **extra: object) -> dict:
    return {"title": {"text": title, "standoff": 14}, "gridcolor": GRID, "zeroline": False, "automargin": True, **extra}


def style(i: int) -> tuple[str, str]:
    """The i-th touchpoint's line dash and marker symbol: no two of the first 30 share both."""
    return DASHES[i % len(DASHES)], SYMBOLS[i % len(SYMBOLS)]


def journey_chart(report: dict) -> dict:
    """Complaints by journey stage, stacked by touchpoint."""
    stages = [STAGE_NAMES[s["stage"]] for s in report["journey"]]
    data = []
    for tp in report["touchpoints"]:
        values = [tp["complaints"] if s["stage"] == tp["stage"] else None for s in report["journey"]]
        name = plotly_text(tp["name"])
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": stages,
                "x": values,
                "marker": {"color": tp["colour"], "line": {"color": "#ffffff", "width": 1}},
                "text": [name if v else "" for v in values],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textangle": 0,
                "hovertemplate": f"<b>{name}</b><br>%{{y}}: %{{x}} complaints<extra></extra>",
            }
        )
    layout = _layout(
        barmode="stack",
        showlegend=False,
        height=300,
        uniformtext={"minsize": 10, "mode": "hide"},
        xaxis=_axis("Complaints"),
        yaxis=_axis("Journey stage", autorange="reversed", gridcolor="rgba(0,0,0,0)"),
    )
    return {"data": data, "layout": layout}


def trends_chart(report: dict, visible: int = 6) -> dict:
    """Complaints per period per touchpoint; a ringed marker where the change on the period before is significant.
    A latest period the data ends inside, or a first one it starts inside, is named with its days ("2026-W12 (3 of
    7 days)"): its counts are low; a period without items is blank ("2026-08 (no items)")."""
    trends = report["trends"]
    x = list(trends["periods"])
    if (partial := trends.get("partial")) and x and x[-1] == partial["period"]:
        x[-1] = f"{partial['period']} ({partial['days']} of {partial['of_days']} days)"
    if (first := trends.get("partial_first")) and x and x[0] == first["period"]:
        x[0] = f"{first['period']} ({first['days']} of {first['of_days']} days)"
    # A period with no item at all is left blank, not drawn as no complaints: a month missing from the export read
    # as the month every problem went away
    items = trends.get("items") or [1] * len(x)
    x = [f"{label} (no items)" if not n else label for label, n in zip(x, items, strict=True)]
    data = []
    for i, tp in enumerate(report["touchpoints"]):
        trend = tp.get("trend")
        if not trend:
            continue
        steps = trend["steps"]
        size = [13 if s and s["significant"] else 6 for s in steps]
        note = [
            f"<br>significant change on the previous {trends['unit']} ({p_text(s['p_adjusted'], 'adjusted p ')})"
            if s and s["significant"]
            else ""
            for s in steps
        ]
        name = plotly_text(tp["name"])
        dash, symbol = style(i)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": x,
                "y": [c if n else None for c, n in zip(trend["complaints"], items, strict=True)],
                "customdata": note,
                "line": {"color": tp["colour"], "width": 2.5 if i < visible else 1.5, "dash": dash},
                "marker": {
                    "color": tp["colour"],
                    "size": size,
                    "symbol": symbol,
                    "line": {"color": "#ffffff", "width": 1},
                },
                "visible": True if i < visible else "legendonly",
                "hovertemplate": f"<b>{name}</b><br>%{{x}}: %{{y}} complaints%{{customdata}}<extra></extra>",
            }
        )
    layout = _layout(
        height=420,
        hovermode="closest",
        legend={"orientation": "v", "x": 1.02, "y": 1, "font": {"size": 12}},
        xaxis=_axis("Month" if trends["unit"] == "month" else "ISO week", type="category"),
        yaxis=_axis("Complaints", rangemode="tozero"),
    )
    return {"data": data, "layout": layout}


def impact_chart(report: dict, labelled: int = 4) -> dict:
    """Rating points lost against complaint volume: the top-right corner is where fixes pay most."""
    symbols = {tp["id"]: style(i)[1] for i, tp in enumerate(report["touchpoints"])}
    rows = [tp for tp in report["touchpoints"] if tp.get("impact")]
    # Name only the touchpoints that matter most (volume x loss); the rest crowd the corner, hover names them.
    named = {tp["id"] for tp in sorted(rows, key=lambda t: t["complaints"] * t["impact"]["points"])[:labelled]}
    positions = _label_positions(named, [(tp["id"], tp["complaints"], -tp["impact"]["points"]) for tp in rows])
    data = [
        {
            "type": "scatter",
            "mode": "markers+text",
            "name": plotly_text(tp["name"]),
            "x": [tp["complaints"]],
            "y": [-tp["impact"]["points"]],
            "text": [plotly_text(tp["name"]) if tp["id"] in positions else ""],
            "textposition": positions.get(tp["id"], "middle right"),
            "textfont": {"size": 11, "color": "#3e4c59"},
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": [tp["impact"]["points"] - tp["impact"]["low"]],
                "arrayminus": [tp["impact"]["high"] - tp["impact"]["points"]],
                "color": tp["colour"],
                "thickness": 1.5,
                "width": 4,
            },
            "marker": {
                "color": tp["colour"],
                "size": 13,
                "symbol": symbols[tp["id"]],
                "opacity": 0.55 if tp["impact"]["thin"] else 0.95,
                "line": {"color": "#ffffff", "width": 1},
            },
            "hovertemplate": (
                f"<b>{plotly_text(tp['name'])}</b><br>%{{x}} complaints<br>{-tp['impact']['points']:.1f} points lost "
                f"(95% CI {-tp['impact']['high']:.1f} to {-tp['impact']['low']:.1f})<extra></extra>"
            ),
        }
        for tp in rows
    ]
    layout = _layout(
        height=460,
        showlegend=True,
        legend={"font": {"size": 11}},
        xaxis=_axis("Complaints (volume)", rangemode="tozero"),
        yaxis=_axis("Rating points lost (0–100 scale)", rangemode="tozero"),
    )
    return {"data": data, "layout": layout}


def _label_positions(named: set[str], points: list[tuple[str, float, float]]) -> dict[str, str]:
    """Where each named point's label goes: right of its point, or left in the right third of the x axis (it was
    cut at the chart's edge). A named point with another point within a tenth of both axes gets no label: in a
    cluster a label sat over its neighbours and read as theirs; the legend and the hover name it."""
    if not points:
        return {}
    x_span = max(x for _, x, _ in points) or 1.0
    ys = [y for _, _, y in points]
    y_span = (max(ys) - min(ys)) or 1.0
    out = {}
    for key, x, y in points:
        crowded = any(k != key and abs(px - x) < 0.1 * x_span and abs(py - y) < 0.1 * y_span for k, px, py in points)
        if key in named and not crowded:
            out[key] = "middle left" if x > 0.66 * x_span else "middle right"
    return out


def touchpoint_rows(report: dict) -> list[dict]:
    """What the sortable touchpoint bar chart needs; the browser builds and re-sorts the figure."""
    return [
        {
            "id": tp["id"],
            "name": plotly_text(tp["name"]),
            "colour": tp["colour"],
            "complaints": tp["complaints"],
            "share": round(tp["share"] * 100, 1),
            "rate": round(tp["rate"] * 100, 1),
        }
        for tp in report["touchpoints"]
    ]
