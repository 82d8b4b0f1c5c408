/// What this build is: printed by every executable's `--version` and exported as
/// `hub_build_info` on `/metrics`.
public enum BuildInfo {
    /// The release version (semantic versioning); the container image is tagged with it.
    public static let version = "0.2.0"

    /// The Swift compiler the build used.
    public static var swiftVersion: String {
        #if swift(>=6.3)
        return "6.3"
        #elseif swift(>=6.2)
        return "6.2"
        #elseif swift(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    /// `--version` output: `eduhub 0.2.0 (Swift 6.3)`.
    public static var versionLine: String { "eduhub \(version) (Swift \(swiftVersion))" }
}
