"""The downloads dashboard of a show: figures, charts, CSV exports and an on-demand rollup."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Response, abort, current_app, flash, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from showapp.db import get_session
from showapp.errors import InvalidInput
from showapp.media.recorder import get_recorder
from showapp.services.stats import charts, counting, dashboard, launches, rollups
from showapp.services.wording import counted
from showapp.studio import bp, current_show, redirect_303

TABLE_NAMES = ", ".join(f'"{name}"' for name in dashboard.TABLES)


@bp.get("/shows/<show_slug>/downloads")
def show_downloads(show_slug: str) -> ResponseReturnValue:
    show = current_show()
    period = _period()
    figures = dashboard.build_dashboard(
        get_session(), show.id, datetime.now(UTC), period, show.timezone
    )
    return render_template(
        "studio/dashboard.html",
        show=show,
        figures=figures,
        periods=dashboard.PERIODS,
        ages=launches.LABELS,
        charts=_per_day_charts(figures.per_day, period, figures.timezone),
        rehosted_note=rollups.REHOSTED_NOTE,
    )


@bp.get(f"/shows/<show_slug>/downloads/<any({TABLE_NAMES}):table>.csv")
def export_downloads(show_slug: str, table: str) -> Response:
    show = current_show()
    period, today = _period(), counting.local_today(datetime.now(UTC), show.timezone)
    body = dashboard.export_csv(get_session(), show.id, table, today, period)
    filename = dashboard.csv_filename(show.slug, table, today, period)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/shows/<show_slug>/downloads/refresh")
def refresh_downloads(show_slug: str) -> ResponseReturnValue:
    """Run the rollup now (what `showapp stats rollup` does from cron), then show the page."""
    show = current_show()
    period = _period(request.form.get("days"))
    recorder = get_recorder(current_app._get_current_object())  # type: ignore[attr-defined]
    if recorder is not None:
        # Hits this worker answered but has not written yet; other workers write theirs
        # within SHOWAPP_STATS_FLUSH_SECONDS.
        recorder.flush()
    session = get_session()
    report = rollups.rollup(session, int(current_app.config["STATS_KEEP_REQUESTS_DAYS"]))
    session.commit()
    flash(
        f"Figures refreshed: {counted(report.requests_read, 'new request')} read, "
        f"{counted(report.days_rebuilt, 'day')} updated.",
        "info",
    )
    return redirect_303(url_for("studio.show_downloads", show_slug=show.slug, days=period))


def _period(raw: str | None = None) -> int:
    try:
        return dashboard.period_from(raw if raw is not None else request.args.get("days"))
    except InvalidInput as error:
        abort(400, str(error))


def _per_day_charts(series: list[tuple[date, int]], period: int, zone: str) -> dict[str, Markup]:
    """The same chart twice: a wide one, and a compact one whose text stays legible on a phone
    (CSS shows one of them)."""
    points: list[tuple[str, float]] = [(_day_label(day), count) for day, count in series]
    title = f"Downloads per day, last {period} days"
    return {
        "wide": _per_day_chart(points, title, "per-day-wide", charts.Size(), zone),
        "compact": _per_day_chart(points, title, "per-day-compact", charts.COMPACT, zone),
    }


def _per_day_chart(
    points: list[tuple[str, float]], title: str, chart_id: str, size: charts.Size, zone: str
) -> Markup:
    svg = charts.line_chart(
        points,
        title=title,
        chart_id=chart_id,
        x_label=f"Day ({zone})",
        y_label="Downloads",
        whole=True,
        size=size,
    )
    # line_chart escapes every label and title it draws, so its output is safe markup.
    return Markup(svg)


def _day_label(day: date) -> str:
    return f"{day.day} {day.strftime('%b')}"
