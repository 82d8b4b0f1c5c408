import ArgumentParser
import Foundation

/// The entry point every executable shares: parses the command line and runs the command, and
/// turns every usage error (an unknown flag, a flag value of the wrong type) into one line on
/// standard error, `hub-<stage>: error: …`, exit status 2 — the same shape as a bad setting from
/// the environment (``WorkerMain/fail(_:_:)``). `--help` and `--version` print as usual.
public enum CommandLineEntry {
    public static func main<Command: AsyncParsableCommand>(_ command: Command.Type, arguments: [String]? = nil) async {
        let name = Command.configuration.commandName ?? "eduhub"
        var parsed: any ParsableCommand
        do {
            parsed = try Command.parseAsRoot(arguments)
        } catch {
            if Command.exitCode(for: error) == .success { Command.exit(withError: error) }  // --help, --version
            oneLine(name, Command.message(for: error), status: 2)
        }
        do {
            if var asynchronous = parsed as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try parsed.run()
            }
        } catch {
            // Errors while running keep their lines (a topology's issues are listed one a line);
            // an ExitCode or CleanExit is ArgumentParser's own way to end.
            // `--help` comes back from parsing as a help command whose run ends in CleanExit:
            // success, printed on standard output.
            let message = Command.message(for: error)
            if message.isEmpty || error is ExitCode || Command.exitCode(for: error) == .success {
                Command.exit(withError: error)
            }
            FileHandle.standardError.write(Data("\(name): error: \(message)\n".utf8))
            exit(Command.exitCode(for: error) == .validationFailure ? 2 : 1)
        }
    }

    /// `message` on one line (a usage error's help lines joined), then exit.
    static func oneLine(_ name: String, _ message: String, status: Int32) -> Never {
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        FileHandle.standardError.write(Data("\(name): error: \(line)\n".utf8))
        exit(status)
    }
}

/// A worker executable's command (`hub-ingest`, `hub-sink` …): started through
/// ``CommandLineEntry``, with the build's version line.
public protocol WorkerCommand: AsyncParsableCommand {}

extension WorkerCommand {
    public static func main() async { await CommandLineEntry.main(Self.self) }
}

extension CommandConfiguration {
    /// The configuration of the worker executable `name`: `abstract` for `--help`, the build's
    /// version for `--version`.
    public static func worker(_ name: String, abstract: String) -> CommandConfiguration {
        CommandConfiguration(commandName: name, abstract: abstract, version: BuildInfo.versionLine)
    }
}
