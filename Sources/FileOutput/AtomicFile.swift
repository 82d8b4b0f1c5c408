import Foundation

/// Writes a file whole or not at all: the bytes go to a temporary file beside the target, which
/// is then renamed over it (rename is atomic within a file system). A reader never sees half a
/// file, and writing again replaces it. Used by the snapshot export and the reports.
public enum AtomicFile {
    /// What could not be written, with the path and errno.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Writes `data` to `path`. The temporary name is unique, so two writers of the same file do
    /// not mix their bytes (the last rename wins); it is removed when the write fails.
    public static func write(_ data: Data, to path: String) throws(Failure) {
        let temporary = "\(path).\(UUID().uuidString).tmp"
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            unlink(temporary)
            throw Failure(description: "cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): errno \(code)")
        }
    }

    /// Writes `text` as UTF-8.
    public static func write(_ text: String, to path: String) throws(Failure) {
        try write(Data(text.utf8), to: path)
    }
}
