import Foundation

/// Files of personal data written by operator actions (data-space exports, raw units): directories 0700, files 0600,
/// whatever the umask — created with those modes (never widened and narrowed afterwards) and
/// narrowed when they already exist.
public enum PrivateOutput {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates `path` and its missing parents with mode 0700; an existing directory is set to 0700.
    public static func directory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(description: "\(path) exists and is not a directory") }
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        guard chmod(path, 0o700) == 0 else { throw Failure(description: "cannot set mode 0700 on \(path): errno \(errno)") }
    }

    /// Writes `bytes` to `path` with mode 0600 (an existing file is truncated and narrowed first).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): errno \(errno)") }
        defer { close(fd) }
        guard fchmod(fd, 0o600) == 0 else { throw Failure(description: "cannot set mode 0600 on \(path): errno \(errno)") }
        var written = 0
        try bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write \(path): errno \(errno)")
                }
                written += n
            }
        }
    }
}
