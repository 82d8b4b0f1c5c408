import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` metrics every Prometheus client exports (CPU seconds, resident and
/// virtual memory, open and maximum file descriptors, start time), read from `/proc/self` at
/// scrape time, plus `hub_build_info`. Written as exposition text next to the registry's output,
/// with HELP lines, because they are read, not counted.
public enum ProcessMetrics {
    /// Exposition text for the current process, or only `hub_build_info` where `/proc` is missing.
    public static func exposition(stage: String) -> String {
        var out = """
            # HELP hub_build_info The running build: version and Swift compiler; always 1.
            # TYPE hub_build_info gauge
            hub_build_info{stage="\(stage)",version="\(BuildInfo.version)",swift_version="\(BuildInfo.swiftVersion)"} 1

            """
        guard let stat = readStat() else { return out }
        func family(_ name: String, _ type: String, _ help: String, _ value: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
        }
        family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", format(stat.cpuSeconds))
        family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", String(stat.residentBytes))
        family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", String(stat.virtualBytes))
        family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", format(stat.startTimeSeconds))
        if let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count {
            family("process_open_fds", "gauge", "Number of open file descriptors.", String(open))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            family("process_max_fds", "gauge", "Maximum number of open file descriptors.", String(limit.rlim_cur))
        }
        return out
    }

    struct Stat {
        var cpuSeconds: Double
        var residentBytes: Int
        var virtualBytes: Int
        var startTimeSeconds: Double
    }

    /// Fields of `/proc/self/stat` (proc(5)): utime 14, stime 15, starttime 22, vsize 23, rss 24
    /// (1-based), read after the command name's closing parenthesis (the name may hold spaces).
    static func readStat() -> Stat? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state).
        func field(_ n: Int) -> Double? { fields.indices.contains(n - 3) ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23), let rss = field(24),
              let boot = bootTime() else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        guard ticks > 0, page > 0 else { return nil }
        return Stat(cpuSeconds: (utime + stime) / ticks, residentBytes: Int(rss * page), virtualBytes: Int(vsize),
                    startTimeSeconds: boot + start / ticks)
    }

    /// `btime` from `/proc/stat`: the boot time in seconds since the epoch.
    static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
