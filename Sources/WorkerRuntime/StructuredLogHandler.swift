import Foundation
import Logging

/// Writes one line per event to standard error, as logfmt-style text or as JSON, with the
/// stage and the event's metadata (topic, partition, offset, …). Never given record content:
/// callers log positions and counts, not values.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let format: WorkerSettings.LogFormat
    private let label: String

    public init(label: String, format: WorkerSettings.LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Self.timestamp()
        var line: String
        switch format {
        case .json:
            var fields: [(String, String)] = [("time", time), ("level", event.level.rawValue), ("stage", label),
                                              ("message", event.message.description)]
            if let error = event.error { fields.append(("error", "\(error)")) }
            for (k, v) in all.sorted(by: { $0.key < $1.key }) { fields.append((k, "\(v)")) }
            line = "{" + fields.map { "\(Self.jsonString($0.0)):\(Self.jsonString($0.1))" }.joined(separator: ",") + "}"
        case .text:
            line = "\(time) \(event.level.rawValue.uppercased()) [\(label)] \(event.message)"
            if let error = event.error { line += " error=\(Self.quoted("\(error)"))" }
            for (k, v) in all.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(Self.quoted("\(v)"))" }
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, Int(tv.tv_usec / 1000))
    }

    static func quoted(_ s: String) -> String {
        s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? jsonString(s) : s
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
