"""The committee report as an A4 PDF, built with reportlab's platypus from the same report the
page shows, so the PDF hides exactly what the page hides.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dashboard import charts, wording
from sufficiency import coverage, suppression

if TYPE_CHECKING:
    from dashboard.pages.committee import CommitteeReport, PromiseRow

WIDTH = A4[0] - 36 * mm  # the text width between 18 mm margins
TEXT = colors.HexColor("#0b0c0c")
SECONDARY = colors.HexColor("#484949")
BORDER = colors.HexColor("#b1b4b6")
LIGHT = colors.HexColor("#f3f2f1")
# Status in words with a shape as on the page (tick, triangle, cross), never colour alone. The
# shapes are drawn, not typed: PDF viewers do not all have the symbol fonts.
RAG_COLOURS = {
    "green": colors.HexColor("#005a30"),
    "amber": colors.HexColor("#594d00"),
    "red": colors.HexColor("#942514"),
}
MARK = 7  # points

_base = getSampleStyleSheet()
STYLES = {
    "title": ParagraphStyle(
        "title", parent=_base["Title"], fontSize=17, leading=21, alignment=0, spaceAfter=4 * mm
    ),
    "h2": ParagraphStyle(
        "h2", parent=_base["Heading2"], fontSize=12.5, leading=15, spaceBefore=5 * mm
    ),
    "h3": ParagraphStyle(
        "h3", parent=_base["Heading3"], fontSize=10, leading=12, spaceBefore=2 * mm
    ),
    "body": ParagraphStyle("body", parent=_base["BodyText"], fontSize=9.5, leading=12.5),
    "small": ParagraphStyle(
        "small", parent=_base["BodyText"], fontSize=8, leading=10, textColor=SECONDARY
    ),
    "cell": ParagraphStyle("cell", parent=_base["BodyText"], fontSize=8.5, leading=10.5),
    "cell_right": ParagraphStyle(
        "cell_right", parent=_base["BodyText"], fontSize=8.5, leading=10.5, alignment=TA_RIGHT
    ),
    "status": ParagraphStyle(
        "status",
        parent=_base["BodyText"],
        fontSize=10,
        leading=13,
        borderColor=TEXT,
        borderWidth=0.75,
        borderPadding=2.5 * mm,
        backColor=LIGHT,
        spaceBefore=1 * mm,
        spaceAfter=4 * mm,
    ),
}
TABLE_STYLE = [
    ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.5, BORDER),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
]


def build_pdf(report: CommitteeReport, *, stale: str = "", compress: bool = True) -> bytes:
    """The report as PDF bytes, with the warning `stale` under its title when the figures could
    not be brought up to date. `compress=False` leaves the page text readable in the file."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author="Sufficiency",
        subject=report.suppression_words,
        pageCompression=1 if compress else 0,
        lang="en-GB",
    )
    story: list[Flowable] = [
        Paragraph(_text(report.title), STYLES["title"]),
        Paragraph(f"<b>{_text(report.suppression_words)}</b>", STYLES["status"]),
        *([Paragraph(f"<b>{_text(stale)}</b>", STYLES["status"])] if stale else []),
        Paragraph("At a glance", STYLES["h2"]),
        _glance_table(report),
    ]
    for row in report.promises:
        story.append(KeepTogether(_promise(report, row)))
    story.append(KeepTogether(_placements(report)))
    if report.supply:
        story.append(KeepTogether(_supply(report)))
    story += _about(report)

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(SECONDARY)
        status = "Small numbers suppressed" if report.suppressed else "Small numbers NOT suppressed"
        canvas.drawString(
            18 * mm,
            10 * mm,
            f"{report.la.name}: committee report, {wording.long_date(report.period_end)}. "
            f"{status}.",
        )
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _text(value: object) -> str:
    """Plain text made safe for reportlab's paragraph markup."""
    return escape(str(value))


def _rag(rag: str | None, words: str) -> Flowable:
    colour = RAG_COLOURS.get(rag or "")
    if colour is None:
        return Paragraph(_text(words), STYLES["cell"])
    label = Paragraph(
        f'<font color="{colour.hexval()}"><b>{_text(words)}</b></font>', STYLES["cell"]
    )
    mark = Table([[_mark(rag or "", colour), label]], colWidths=[MARK + 4, None], hAlign="LEFT")
    mark.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return mark


def _mark(rag: str, colour: colors.Color) -> Drawing:
    """A tick (on target), a triangle (close) or a cross (off target)."""
    drawing = Drawing(MARK, MARK + 2)
    line = {"strokeColor": colour, "strokeWidth": 1.6, "strokeLineCap": 1}
    if rag == "green":
        drawing.add(PolyLine([0.5, 4.5, 2.8, 1.5, MARK - 0.5, MARK], **line))
    elif rag == "amber":
        drawing.add(Polygon([0, 1, MARK, 1, MARK / 2, MARK], fillColor=colour, strokeColor=None))
    else:
        drawing.add(Line(0.5, 1, MARK - 0.5, MARK, **line))
        drawing.add(Line(0.5, MARK, MARK - 0.5, 1, **line))
    return drawing


def _table(rows: list[list[object]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = list(TABLE_STYLE)
    if header:
        style += [("LINEBELOW", (0, 0), (-1, 0), 1, TEXT)]
    table.setStyle(TableStyle(style))
    return table


def _cell(value: object, *, bold: bool = False, right: bool = False) -> Paragraph:
    text = _text(value)
    return Paragraph(f"<b>{text}</b>" if bold else text, STYLES["cell_right" if right else "cell"])


def _glance_table(report: CommitteeReport) -> Table:
    rows: list[list[object]] = [
        [
            _cell("Promise", bold=True),
            _cell("Measure", bold=True),
            _cell("Value", bold=True, right=True),
            _cell("Target", bold=True),
            _cell("Status", bold=True),
        ]
    ]
    for row in report.promises:
        rows.append(
            [
                _cell(row.promise.title, bold=True),
                _cell(row.definition.name),
                _cell(row.value.text, right=True),
                _cell(row.target),
                _rag(row.rag, row.rag_words),
            ]
        )
    return _table(rows, [52 * mm, 42 * mm, 24 * mm, 24 * mm, WIDTH - 142 * mm])


def _promise(report: CommitteeReport, row: PromiseRow) -> list[Flowable]:
    period = wording.long_date(report.period_end)
    previous = row.previous.text
    if row.change.text and not row.change.suppressed:
        previous += f" (change: {row.change.text})"
    neighbours = row.neighbours + (f" ({row.neighbours_label})" if row.neighbours_label else "")
    england = row.england + (f" ({row.england_label})" if row.england_label else "")
    figures = [
        [
            _cell(f"At {period}", bold=True),
            _cell(_with_revision(row.value.text, row.revised_from), bold=True),
        ],
        [_cell(f"Month before ({wording.long_date(row.previous_date)})"), _cell(previous)],
        [_cell(f"A year before ({wording.long_date(row.year_ago_date)})"), _cell(row.year_ago)],
        [_cell("Target"), _cell(row.target)],
        [_cell("Status"), _rag(row.rag, row.rag_words)],
        [_cell("Statistical neighbours"), _cell(neighbours)],
        [_cell("England"), _cell(england)],
    ]
    parts: list[Flowable] = [
        Paragraph(_text(row.promise.title), STYLES["h2"]),
        Paragraph(
            f"Measured by: <b>{_text(row.definition.name)}</b>. "
            f"{_text(wording.direction_words(row.definition))}.",
            STYLES["small"],
        ),
        Spacer(0, 1.5 * mm),
        _table(figures, [62 * mm, WIDTH - 62 * mm], header=False),
        Paragraph("Officers' commentary", STYLES["h3"]),
    ]
    if row.commentary.strip():
        for block in row.commentary.replace("\r\n", "\n").split("\n\n"):
            if block.strip():
                parts.append(Paragraph(_text(block.strip()).replace("\n", "<br/>"), STYLES["body"]))
    else:
        parts.append(Paragraph("No commentary this month.", STYLES["body"]))
    drawing = trend_drawing(row, suppressed=report.suppressed)
    if drawing is not None:
        parts += [Spacer(0, 2 * mm), drawing]
        words = "Monthly values, the last two years"
        if report.suppressed:
            words += "; months with small numbers are not shown"
        parts.append(Paragraph(_text(words + "."), STYLES["small"]))
    return parts


def trend_drawing(row: PromiseRow, *, suppressed: bool) -> Drawing | None:
    """A small line chart of the monthly values (gaps where hidden), and the target dashed."""
    points = row.points
    numbers = [value for _, value in points if value is not None]
    if not numbers:
        return None
    height = 42 * mm
    drawing = Drawing(WIDTH, height)
    plot = LinePlot()
    plot.x, plot.y = 14 * mm, 8 * mm
    plot.width, plot.height = WIDTH - 18 * mm, height - 12 * mm

    # x is months since the first point, so a month with no value leaves its own gap.
    first = points[0][0]
    months = [(day.year - first.year) * 12 + day.month - first.month for day, _ in points]
    segments: list[list[tuple[float, float]]] = [[]]
    for month, (_, value) in zip(months, points, strict=True):
        if value is None or (segments[-1] and month != segments[-1][-1][0] + 1):
            segments.append([])
        if value is not None:
            segments[-1].append((month, value))
    series = [segment for segment in segments if segment]
    target_value = row.target_value
    data = list(series)
    if target_value is not None:
        data.append([(0, target_value), (months[-1], target_value)])
    plot.data = data
    for index in range(len(series)):
        plot.lines[index].strokeColor = colors.HexColor(charts.BLUE)
        plot.lines[index].strokeWidth = 1.5
        plot.lines[index].symbol = makeMarker("Circle", size=2.5)
    if target_value is not None:
        plot.lines[len(series)].strokeColor = colors.HexColor("#b35900")
        plot.lines[len(series)].strokeDashArray = [4, 2]
        plot.lines[len(series)].strokeWidth = 1

    top = max([*numbers, target_value or 0]) * 1.15 or 1
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = top
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.labelTextFormat = lambda v: _axis_number(row, v)
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(months[-1], 1)
    plot.xValueAxis.valueSteps = list(range(0, months[-1] + 1, 6))
    plot.xValueAxis.labels.fontSize = 7
    plot.xValueAxis.labelTextFormat = lambda month: _month_label(first, int(month))
    drawing.add(plot)
    legend = "Blue: monthly value"
    if target_value is not None:
        legend += "; dashed: target"
    drawing.add(String(plot.x, height - 3 * mm, legend, fontName="Helvetica", fontSize=7))
    return drawing


def _month_label(first: dt.date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1).strftime("%b %Y")


def _axis_number(row: PromiseRow, value: float) -> str:
    if row.definition.unit == "percent":
        return f"{value:.0f}%"
    return f"{value:,.0f}"


def _with_revision(text: str, revised_from: str) -> str:
    """A figure, with what the issued report showed when it has changed since."""
    return f"{text} (revised: was {revised_from}, now {text})" if revised_from else text


def _supply(report: CommitteeReport) -> list[Flowable]:
    period = wording.long_date(report.period_end)
    rows: list[list[object]] = [
        [
            _cell("Measure", bold=True),
            _cell(period, bold=True, right=True),
            _cell("Month before", bold=True, right=True),
            _cell("A year before", bold=True, right=True),
        ]
    ]
    for row in report.supply:
        rows.append(
            [
                _cell(row.definition.name),
                _cell(_with_revision(row.value.text, row.revised_from), right=True),
                _cell(row.previous.text, right=True),
                _cell(row.year_ago.text, right=True),
            ]
        )
    note = (
        "Average weekly costs and the month's spend cover the placements with a known cost; "
        "the last line says what share of children that is."
    )
    if report.suppressed:
        note += " An average over fewer than 5 children is not shown."
    return [
        Paragraph("Fostering and costs", STYLES["h2"]),
        _table(rows, [75 * mm, 32 * mm, 32 * mm, 32 * mm]),
        Paragraph(_text(note), STYLES["small"]),
    ]


def _placements(report: CommitteeReport) -> list[Flowable]:
    period = wording.long_date(report.period_end)
    rows: list[list[object]] = [
        [_cell("Placement", bold=True), _cell("Children", bold=True, right=True)]
    ]
    for row in report.placements:
        rows.append(
            [_cell(row.label), _cell(_with_revision(row.shown.text, row.revised_from), right=True)]
        )
    total = _with_revision(report.placements_total.text, report.placements_total_revised_from)
    rows.append(
        [_cell("All children looked after", bold=True), _cell(total, bold=True, right=True)]
    )
    table = _table(rows, [105 * mm, 60 * mm])
    table.setStyle(TableStyle([("LINEABOVE", (0, -1), (-1, -1), 1, TEXT)]))
    note = (
        "Each child is counted once, in the placement they were in at the month end. Other "
        "placements are every other type of placement or provider."
    )
    if report.suppressed:
        note += (
            ' "Not shown: protects a small number" marks a number hidden so that a small '
            "number cannot be worked out from the total."
        )
    return [
        Paragraph("Where children live", STYLES["h2"]),
        Paragraph(_text(f"Children looked after at {period}, by type of placement"), STYLES["h3"]),
        table,
        Paragraph(_text(note), STYLES["small"]),
    ]


def _about(report: CommitteeReport) -> list[Flowable]:
    parts: list[Flowable] = [
        Paragraph("About these figures", STYLES["h2"]),
        Paragraph(
            _text(
                "Figures are worked out each month from the authority's SSDA903 returns, using "
                f"definitions version {report.definitions_version}. Each figure is at the month "
                f"end, {wording.long_date(report.period_end)}."
            ),
            STYLES["body"],
        ),
        Paragraph("Small numbers", STYLES["h3"]),
        Paragraph(_text(suppression.RULES_TEXT), STYLES["body"]),
        Paragraph(f"<b>{_text(report.suppression_words)}</b>", STYLES["body"]),
        Paragraph("Not enough history", STYLES["h3"]),
        Paragraph(_text(coverage.HISTORY_TEXT), STYLES["body"]),
        Paragraph("England and statistical neighbours", STYLES["h3"]),
        Paragraph(
            "England and statistical neighbour figures are the Department for Education's "
            "published figures at 31 March (Explore Education Statistics and the Local Authority "
            "Interactive Tool). Each authority has 10 statistical neighbours; the figure shown is "
            "the mean of the neighbours with a published value.",
            STYLES["body"],
        ),
        Paragraph("What each measure counts", STYLES["h3"]),
    ]
    for row in report.promises:
        parts.append(
            Paragraph(
                f"<b>{_text(row.definition.name)}</b>: {_text(row.definition.definition)} "
                f"Source of the published figures: {_text(row.definition.source)}",
                STYLES["body"],
            )
        )
    return parts
