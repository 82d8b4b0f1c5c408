/// The languages the hub's reports are written in: Chinese first, English available. Shared by
/// the quality report and the monitoring report.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case chinese = "zh-CN"
    case english = "en"

    public static let `default` = ReportLanguage.chinese

    /// `zh-CN`, `zh` or `en` (any case).
    public init?(code: String) {
        switch code.lowercased() {
        case "zh-cn", "zh", "zh-hans": self = .chinese
        case "en", "en-us", "en-gb": self = .english
        default: return nil
        }
    }

    public var isEnglish: Bool { self == .english }

    /// What a report's file name carries for this language: nothing for the default, else `.<code>`.
    public var fileSuffix: String { self == .default ? "" : "." + rawValue }
}
