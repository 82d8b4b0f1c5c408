import ArgumentParser
import Foundation
import HubCore
import HubStore
import Kafka
import Logging
import Postgres
import QualityReport
import Topology
import WorkerRuntime

/// `hubctl quality …`: the day-level monitors, the monitors' results, pending alerts.
struct QualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "Data-quality monitors: evaluate day-level monitors, list results.",
        subcommands: [Evaluate.self, Summary.self])

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate the day-level monitors (daily report deadline, volume baseline) for a range of days and the uniqueness monitors over the whole current state, then publish alerts.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "First day, YYYY-MM-DD (Beijing). Default: yesterday.") var from: String?
        @Option(name: .long, help: "Last day, YYYY-MM-DD. Default: --from.") var to: String?
        @Option(name: .long, help: "Which monitors: all, days (daily report, baseline) or uniqueness (over the whole current state). Default all.")
        var only: String = "all"

        func run() async throws {
            let ctx = try Context(common)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let today = CalendarDate.dayNumber(epochSeconds: now / 1000)
            let first = try from.map { try Int32(parseDay($0, "--from").daysSinceEpoch) } ?? today - 1
            let last = try to.map { try Int32(parseDay($0, "--to").daysSinceEpoch) } ?? first
            guard first <= last else { throw ValidationError("--from must not be after --to") }
            guard let scope = QualityEvaluation.Scope(rawValue: only) else {
                throw ValidationError("--only must be all, days or uniqueness, not \"\(only)\"")
            }
            let db = try ctx.database()
            let summary = try QualityEvaluation(db: db, schema: ctx.schema, topology: ctx.topology)
                .evaluate(from: first, to: last, nowMs: now, scope: scope)
            say("evaluated \(summary.monitors) monitor(s), day-level ones over \(summary.days) monitor-day(s): \(summary.checked) checked, "
                + "\(summary.failed) failed, \(summary.alerts.count) new alert(s)")
            if !summary.postponed.isEmpty {
                say("postponed while their record type is being re-keyed (last results stand): "
                    + summary.postponed.joined(separator: ", "))
            }
            try publishAlerts(ctx, db: db)
        }
    }

    struct Summary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each monitor's checked and failed units per level for a period.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "province, city, county or school.") var level: String = "province"
        @Option(name: .long, help: "Region code at that level.") var region: String = "330000"
        @Option(name: .long, help: "First day, YYYY-MM-DD.") var from: String = "1970-01-01"
        @Option(name: .long, help: "Last day, YYYY-MM-DD.") var to: String = "9999-12-31"

        func run() async throws {
            let ctx = try Context(common)
            let r = try ctx.database().query("""
                SELECT monitor, dimension, sum(checked), sum(failed) FROM \(ctx.settings.schema).quality_rollup
                WHERE level = $1 AND region_code = $2 AND day BETWEEN $3::date AND $4::date
                GROUP BY monitor, dimension ORDER BY dimension, monitor
                """, [level, region, from, to])
            printTable(["monitor", "dimension", "checked", "failed"], r)
        }
    }
}

/// `hubctl report quality`: the quality evaluation report as HTML, Markdown and JSON.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write reports.", subcommands: [Quality.self, MonitoringReportCommand.self])

    struct Quality: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the quality evaluation report for a region and period: self-contained HTML, Markdown and JSON.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "province, city, county or school.") var level: String = "province"
        @Option(name: .long, help: "Region code at that level (330000, 33xx00, 33xxxx, or a school code). Default: the province.")
        var region: String?
        @Option(name: .long, help: "First day, YYYY-MM-DD (Beijing).") var from: String
        @Option(name: .long, help: "Last day, YYYY-MM-DD. Default: --from.") var to: String?
        @Option(name: .long, help: "Directory to write into.") var out: String = "reports"
        @Option(name: .long, help: "Language of the report: zh-CN (default) or en.") var lang: String = ReportLanguage.default.rawValue

        func run() async throws {
            guard let level = RegionLevel(rawValue: level) else { throw ValidationError("--level must be province, city, county or school") }
            guard let language = ReportLanguage(code: lang) else { throw ValidationError("--lang must be zh-CN or en") }
            let region = self.region ?? "330000"
            guard level.accepts(region) else {
                throw ValidationError("--region \(region) is not a \(level.rawValue) code")
            }
            let ctx = try Context(common)
            let first = try parseDay(from, "--from"), last = try parseDay(to ?? from, "--to")
            guard first <= last else { throw ValidationError("--from must not be after --to") }
            let report = try QualityReportBuilder(db: ctx.database(), schema: ctx.schema, topology: ctx.topology)
                .build(level: level, region: region, from: first, to: last, generatedAt: isoNow())
            let paths = try QualityReportFiles.write(report, text: try QualityReportText(language), directory: out)
            say("quality report for \(report.regionLabel)\(report.regionName.map { " (\($0.zh) / \($0.en))" } ?? ""), \(report.from) … \(report.to): overall score "
                + QualityReportRenderer.formatScore(report.overallScore))
            for p in paths { say("  \(p)") }
        }
    }
}

func parseDay(_ text: String, _ option: String) throws -> CalendarDate {
    guard let date = CalendarDate(iso: text) else {
        throw ValidationError("\(option) must be a date YYYY-MM-DD, not \"\(text)\"")
    }
    return date
}

func isoNow() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return f.string(from: Date())
}

/// Publishes alerts waiting in the outbox (raised by `quality evaluate` or `monitor evaluate`).
/// The command prints how many; the one log line per alert the workers write is left out here
/// (an evaluation can raise hundreds).
func publishAlerts(_ ctx: Context, db: PGConnection) throws {
    let producer = try KafkaProducer(config: ctx.kafkaConfig)
    var logger = Logger(label: "hubctl")
    logger.logLevel = .error
    // What waits, summarised: one line per severity with its busiest monitors, not one per alert.
    let waiting = try db.query("""
        SELECT severity, monitor, count(*) FROM \(ctx.schema.name).quality_alerts WHERE published_at IS NULL
        GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
        """)
    let n = try QualityAlertPublisher(producer: producer, db: db, schema: ctx.schema, topology: ctx.topology,
                                      topic: ctx.settings.alertsTopic, logger: logger).publishPending()
    guard n > 0 else { return }
    say("published \(n) alert(s) to \(ctx.settings.alertsTopic):")
    var bySeverity: [String: [(monitor: String, count: Int)]] = [:]
    for i in 0..<waiting.rowCount {
        guard let severity = waiting.value(i, 0), let monitor = waiting.value(i, 1), let count = waiting.int(i, 2) else { continue }
        bySeverity[severity, default: []].append((monitor, count))
    }
    for severity in ["critical", "warning", "info"] + bySeverity.keys.sorted() where bySeverity[severity] != nil {
        let monitors = bySeverity.removeValue(forKey: severity) ?? []
        let shown = monitors.prefix(3).map { "\($0.monitor) \($0.count)" }.joined(separator: ", ")
        let more = monitors.count > 3 ? ", … (\(monitors.count) monitors)" : ""
        say("  \(severity): \(monitors.reduce(0) { $0 + $1.count }) — \(shown)\(more)")
    }
}

extension RegionLevel {
    /// Whether `code` has the shape of a region code at this level.
    func accepts(_ code: String) -> Bool {
        guard code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return false }
        switch self {
        case .province: return code == "330000"
        case .city: return code.count == 6 && code.hasPrefix("33") && code.hasSuffix("00")
        case .county: return Region.isValidCounty(code)
        case .school: return code.count == 10
        }
    }
}
