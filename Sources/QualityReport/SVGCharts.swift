/// Inline SVG charts for the HTML pages (the quality report and the monitoring report): plain
/// markup coloured through the page's CSS classes (see ``ScoreBand``), with every text escaped
/// and no external reference.
public enum SVGCharts {
    /// One bar of a horizontal bar chart.
    public struct Bar: Sendable {
        let label: String
        /// nil draws no bar, only the value label.
        let value: Double?
        let valueLabel: String
        let band: ScoreBand

        public init(label: String, value: Double?, valueLabel: String, band: ScoreBand) {
            self.label = label
            self.value = value
            self.valueLabel = valueLabel
            self.band = band
        }
    }

    /// One point of the trend chart; a nil value leaves a gap in the line. Its marker takes
    /// `band`, or the band of its value read as a score when none is given.
    public struct Point: Sendable {
        let label: String
        let value: Double?
        let band: ScoreBand?

        public init(label: String, value: Double?, band: ScoreBand? = nil) {
            self.label = label
            self.value = value
            self.band = band
        }
    }

    /// A horizontal bar chart, one row per bar, bars scaled so that `maximum` fills the bar area.
    public static func horizontalBars(_ bars: [Bar], maximum: Double, title: String) -> String {
        let height = 2 * BarLayout.padding + BarLayout.rowHeight * Double(bars.count)
        let axis = line(x1: BarLayout.labelWidth, y1: 0, x2: BarLayout.labelWidth, y2: height, cssClass: "axis")
        let rows = bars.enumerated().map { index, bar in barRow(bar, index: index, maximum: maximum) }
        return svg(width: BarLayout.width, height: height, title: title, body: [axis] + rows)
    }

    /// A line chart of values from 0 to `maximum` (default 100, for scores) over evenly spaced
    /// points, each with a "label: value" tooltip. No points draw the empty grid; one point sits
    /// in the middle.
    public static func trendLine(_ points: [Point], title: String, maximum: Double = 100) -> String {
        let frame = TrendFrame(count: points.count, maximum: maximum.isFinite && maximum > 0 ? maximum : 100)
        let body = grid(frame) + xLabels(points, frame) + lines(points, frame) + markers(points, frame)
        return svg(width: frame.width, height: frame.height, title: title, body: body)
    }

    /// A small bar for a 0–100 score, for use inside a table cell.
    public static func inlineBar(score: Double?) -> String {
        let width = 80.0
        let length = barLength(score, maximum: 100, area: width)
        return "<svg class=\"inline-bar\" width=\"80\" height=\"10\" viewBox=\"0 0 80 10\" aria-hidden=\"true\">"
            + "<rect class=\"track\" width=\"\(c(width))\" height=\"10\"/>"
            + "<rect class=\"\(ScoreBand(score: score).cssClass)\" width=\"\(c(length))\" height=\"10\"/></svg>"
    }

    /// Evenly spaced indices of at most `maxLabels` points, always including the first and last.
    static func labelIndices(count: Int, maxLabels: Int) -> [Int] {
        guard count > maxLabels, maxLabels > 1 else { return Array(0..<count) }
        let gaps = maxLabels - 1
        return (0...gaps).map { ($0 * (count - 1) + gaps / 2) / gaps }
    }

    // MARK: - Bar chart

    private enum BarLayout {
        static let width = 640.0
        static let labelWidth = 220.0
        static let barArea = 340.0
        static let rowHeight = 26.0
        static let barHeight = 16.0
        static let padding = 8.0
        static let labelLimit = 34
    }

    private static func barRow(_ bar: Bar, index: Int, maximum: Double) -> String {
        let top = BarLayout.padding + BarLayout.rowHeight * Double(index)
        let textY = top + BarLayout.rowHeight / 2 + 4
        let length = barLength(bar.value, maximum: maximum, area: BarLayout.barArea)
        var parts = [
            "<g><title>\(esc(bar.label)): \(esc(bar.valueLabel))</title>",
            text(truncated(bar.label, limit: BarLayout.labelLimit), x: BarLayout.labelWidth - 8, y: textY, anchor: "end"),
        ]
        if length > 0 {
            let barY = top + (BarLayout.rowHeight - BarLayout.barHeight) / 2
            parts.append(rect(x: BarLayout.labelWidth, y: barY, width: length, height: BarLayout.barHeight, cssClass: bar.band.cssClass))
        }
        parts.append(text(bar.valueLabel, x: BarLayout.labelWidth + length + 6, y: textY, anchor: "start"))
        return parts.joined() + "</g>"
    }

    /// The length of a bar for `value` out of `maximum`, clamped to `0...area`; 0 when the value
    /// is missing or the maximum is not positive.
    private static func barLength(_ value: Double?, maximum: Double, area: Double) -> Double {
        guard let value, value.isFinite, maximum.isFinite, maximum > 0 else { return 0 }
        return area * min(max(value / maximum, 0), 1)
    }

    // MARK: - Trend chart

    /// The trend chart's geometry: where a point index and a score land.
    private struct TrendFrame {
        let count: Int
        /// The value at the top of the plot.
        let maximum: Double
        let width = 640.0
        let height = 260.0
        let left = 44.0
        let right = 44.0
        let top = 16.0
        let bottom = 36.0

        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }
        var plotBottom: Double { top + plotHeight }

        func x(_ index: Int) -> Double {
            guard count > 1 else { return left + plotWidth / 2 }
            return left + plotWidth * Double(index) / Double(count - 1)
        }

        func y(_ value: Double) -> Double {
            top + plotHeight * (1 - min(max(value, 0), maximum) / maximum)
        }
    }

    /// Five grid lines at 0, ¼, ½, ¾ and all of the maximum (0, 25, 50, 75, 100 for scores).
    private static func grid(_ frame: TrendFrame) -> [String] {
        (0...4).flatMap { step in
            let value = frame.maximum * Double(step) / 4
            let y = frame.y(value)
            let label = ReportFormat.fixed(value, decimals: value == value.rounded() ? 0 : 1)
            return [
                line(x1: frame.left, y1: y, x2: frame.left + frame.plotWidth, y2: y, cssClass: step == 0 ? "axis" : "grid"),
                text(label, x: frame.left - 6, y: y + 4, anchor: "end"),
            ]
        }
    }

    private static func xLabels(_ points: [Point], _ frame: TrendFrame) -> [String] {
        labelIndices(count: points.count, maxLabels: 6).map {
            text(points[$0].label, x: frame.x($0), y: frame.plotBottom + 18, anchor: "middle")
        }
    }

    /// One polyline per run of consecutive points with a score.
    private static func lines(_ points: [Point], _ frame: TrendFrame) -> [String] {
        scoredRuns(points).filter { $0.count > 1 }.map { run in
            let coordinates = run.map { "\(c(frame.x($0.index))),\(c(frame.y($0.score)))" }
            return "<polyline class=\"trend\" points=\"\(coordinates.joined(separator: " "))\"/>"
        }
    }

    private static func markers(_ points: [Point], _ frame: TrendFrame) -> [String] {
        scoredRuns(points).joined().map { point in
            let tooltip = "\(points[point.index].label): \(QualityReportRenderer.formatScore(point.score))"
            let band = points[point.index].band ?? ScoreBand(score: point.score)
            return "<circle class=\"\(band.cssClass)\" cx=\"\(c(frame.x(point.index)))\" "
                + "cy=\"\(c(frame.y(point.score)))\" r=\"4\"><title>\(esc(tooltip))</title></circle>"
        }
    }

    /// The points with a finite score, split into runs of consecutive indices.
    private static func scoredRuns(_ points: [Point]) -> [[(index: Int, score: Double)]] {
        var runs: [[(index: Int, score: Double)]] = []
        var current: [(index: Int, score: Double)] = []
        for (index, point) in points.enumerated() {
            if let score = point.value, score.isFinite {
                current.append((index, score))
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    // MARK: - Markup

    private static func svg(width: Double, height: Double, title: String, body: [String]) -> String {
        let open = "<svg class=\"chart\" viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
        return ([open, "<title>\(esc(title))</title>"] + body + ["</svg>"]).joined(separator: "\n")
    }

    private static func line(x1: Double, y1: Double, x2: Double, y2: Double, cssClass: String) -> String {
        "<line class=\"\(cssClass)\" x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\"/>"
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, cssClass: String) -> String {
        "<rect class=\"\(cssClass)\" x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(width))\" height=\"\(c(height))\" rx=\"2\"/>"
    }

    private static func text(_ content: String, x: Double, y: Double, anchor: String) -> String {
        "<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\">\(esc(content))</text>"
    }

    private static func truncated(_ label: String, limit: Int) -> String {
        label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
    }

    /// A coordinate with one decimal.
    private static func c(_ value: Double) -> String { ReportFormat.fixed(value, decimals: 1) }

    private static func esc(_ text: String) -> String { ReportFormat.html(text) }
}
