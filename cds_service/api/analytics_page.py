"""The committee's page (``GET /admin/analytics``): per recommendation code, a plot of the weeks
(cards shown, accepted, overridden, snoozed as bars; the acceptance rate as a line) and the
override reasons of the period, then the table of every week. SVG from matplotlib, inline: the page
loads nothing else.
"""

from __future__ import annotations

import html
import io
from datetime import timedelta
from typing import Sequence

from cds_service.knowledge.model import Knowledge
from cds_service.storage.analytics import Filters, WeekRow, reason_columns, table, week_of

SERIES = (  # (attribute, label, colour): colour-blind-safe (Okabe-Ito)
    ("shown", "shown", "#999999"),
    ("accepted", "accepted", "#009E73"),
    ("overridden", "overridden", "#E69F00"),
    ("snoozed", "snoozed", "#CC79A7"),
)
STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222;max-width:80rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}form{margin:1rem 0;display:flex;gap:1rem;flex-wrap:wrap;align-items:end}
label{display:flex;flex-direction:column;font-size:.85rem}figure{margin:.5rem 0}figure svg{max-width:100%;height:auto}
.note{color:#555;font-size:.85rem}
"""


def weeks_of(filters: Filters) -> list:
    first, last = week_of(filters.since), week_of(filters.until)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def plot(code: str, rows: Sequence[WeekRow], weeks: list, reasons: Sequence[str]) -> str:
    """One SVG: the weekly bars and rate (left), the period's override reasons (right)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    by_week = {row.week: row for row in rows}
    figure = Figure(figsize=(10, 3), layout="constrained")
    left, right = figure.subplots(1, 2, width_ratios=(3, 1.3))
    width = 0.8 / len(SERIES)
    positions = range(len(weeks))
    for i, (attribute, label, colour) in enumerate(SERIES):
        values = [getattr(by_week[w], attribute) if w in by_week else 0 for w in weeks]
        left.bar([p + (i - 1.5) * width for p in positions], values, width, label=label, color=colour)
    left.set_xticks(list(positions), [w.strftime("%d %b") for w in weeks], rotation=45, ha="right", fontsize=7)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.set_ylabel("cards")
    left.set_title(f"{code}: cards per week (week starting)", fontsize=9, loc="left")
    rate = left.twinx()
    rates = [by_week[w].acceptance_rate if w in by_week else None for w in weeks]
    rate.plot([p for p, r in zip(positions, rates) if r is not None], [r for r in rates if r is not None],
              color="#0072B2", marker="o", linewidth=1.5, label="acceptance rate")
    rate.set_ylim(0, 1.05)
    rate.yaxis.set_major_formatter(PercentFormatter(1.0))
    handles = left.get_legend_handles_labels()[0] + rate.get_legend_handles_labels()[0]
    left.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="upper left", ncols=5, frameon=False)
    left.set_ylim(0, max([1] + [r.shown for r in rows]) * 1.35)
    columns = reason_columns(reasons)
    totals = [sum(row.reasons.get(r, 0) for row in rows) for r in columns]
    right.barh(range(len(columns)), totals, color=["#CC79A7" if r in reasons[-2:] else "#E69F00" for r in columns])
    right.set_yticks(range(len(columns)), columns, fontsize=7)
    right.invert_yaxis()
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_title("overridden, by reason (period)", fontsize=9, loc="left")
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": code}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    text = text[text.index("<svg"):]  # inline: no XML declaration or doctype
    if "<metadata>" in text:  # the RDF block names no asset, but says nothing to a reader either
        text = text[: text.index("<metadata>")] + text[text.index("</metadata>") + len("</metadata>"):]
    return text


def _options(values: Sequence[str], chosen: str | None, everything: str) -> str:
    items = [f'<option value="">{everything}</option>']
    items += [f'<option{" selected" if v == chosen else ""}>{html.escape(v)}</option>' for v in values]
    return "".join(items)


def render_page(
    rows: Sequence[WeekRow], filters: Filters, reasons: Sequence[str], knowledge: Knowledge,
    services: Sequence[str], query: str,
) -> bytes:
    e = html.escape
    weeks = weeks_of(filters)
    codes = sorted({row.recommendation for row in rows})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Feedback per recommendation</title><style>{STYLE}</style></head><body>",
        "<h1>Feedback per recommendation</h1>",
        f"<p class='note'>Cards shown from {filters.since} to {filters.until} (weeks start on Monday, UTC), "
        "with what clinicians did with them. A card counts as accepted or overridden when any feedback on it says so; "
        "snoozed: overridden with a reason that hides the recommendation for that patient "
        f"({e(', '.join(reasons[-2:]))}). Knowledge {e(knowledge.version)}.</p>",
        "<form method='get'>",
        f"<label>from<input type='date' name='since' value='{filters.since}'></label>",
        f"<label>to<input type='date' name='until' value='{filters.until}'></label>",
        f"<label>service<select name='service'>{_options(services, filters.service, 'all services')}</select></label>",
        "<label>recommendation<select name='recommendation'>"
        f"{_options(sorted(knowledge.recommendations), filters.recommendation, 'all codes')}</select></label>",
        "<button>Show</button>",
        f"<a href='analytics.csv{'?' + e(query) if query else ''}'>these numbers as CSV</a></form>",
    ]
    if not codes:
        parts.append("<p id='empty'>No cards were shown in this period.</p>")
    parts.append("<h2>Per recommendation, the whole period</h2><table id='totals'><tr><th class='l'>recommendation</th>"
                 "<th>shown</th><th>accepted</th><th>overridden</th><th>snoozed</th><th>acceptance rate</th></tr>")
    for code in codes:
        mine = [row for row in rows if row.recommendation == code]
        shown, accepted = sum(r.shown for r in mine), sum(r.accepted for r in mine)
        display = knowledge.recommendations[code].display if code in knowledge.recommendations else code
        parts.append(
            f"<tr><td class='l'><a href='#{e(code)}'>{e(code)}</a> <span class='note'>{e(display)}</span></td>"
            f"<td>{shown}</td><td>{accepted}</td><td>{sum(r.overridden for r in mine)}</td>"
            f"<td>{sum(r.snoozed for r in mine)}</td><td>{accepted / shown:.0%}</td></tr>"
        )
    parts.append("</table>")
    for code in codes:
        mine = [row for row in rows if row.recommendation == code]
        parts.append(f"<h2 id='{e(code)}'>{e(code)}</h2><figure class='plot'>{plot(code, mine, weeks, reasons)}</figure>")
    header, body = table(rows, reasons)
    parts.append("<h2>Every week</h2><table id='weeks'><tr>")
    parts += [f"<th{' class=l' if i < 2 else ''}>{e(h)}</th>" for i, h in enumerate(header)]
    parts.append("</tr>")
    for values in body:
        parts.append("<tr>" + "".join(f"<td{' class=l' if i < 2 else ''}>{e(str(v))}</td>" for i, v in enumerate(values)) + "</tr>")
    parts.append("</table></body></html>")
    return "".join(parts).encode("utf-8")
