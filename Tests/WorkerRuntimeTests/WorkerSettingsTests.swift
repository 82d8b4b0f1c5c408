import ArgumentParser
import Foundation
import Postgres
import Testing
@testable import WorkerRuntime

/// Issue 18: every bad setting is one error naming the flag or variable it came from; nothing
/// silently falls back to its default.
@Suite("Worker settings")
struct WorkerSettingsTests {
    func settings(_ env: [String: String], _ arguments: [String] = []) throws(ConfigurationError) -> WorkerSettings {
        let options: CommonOptions
        do { options = try CommonOptions.parse(arguments) } catch { throw ConfigurationError("parse: \(error)") }
        return try WorkerSettings(stage: "sink", defaultHTTPPort: 9483, options: options, environment: env)
    }

    func failure(_ env: [String: String], _ arguments: [String] = []) -> String {
        do {
            _ = try settings(env, arguments)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test("defaults when nothing is set")
    func defaults() throws {
        let s = try settings([:])
        #expect(s.httpPort == 9483)
        #expect(s.batchSize == 5000)
        #expect(s.batchWait == .milliseconds(200))
        #expect(s.logLevel == .info)
        #expect(s.logFormat == .text)
        #expect(s.database == "host=127.0.0.1 dbname=eduhub")
        #expect(s.group == "hub-sink")
    }

    @Test("a non-numeric or out-of-range number in the environment names its variable",
          arguments: [
            ("HUB_HTTP_PORT", "80a", "HUB_HTTP_PORT must be an integer from 0 to 65535, not \"80a\""),
            ("HUB_HTTP_PORT", "70000", "HUB_HTTP_PORT must be an integer from 0 to 65535, not \"70000\""),
            ("HUB_BATCH_SIZE", "ten", "HUB_BATCH_SIZE must be an integer from 1 to 10000000, not \"ten\""),
            ("HUB_BATCH_SIZE", "0", "HUB_BATCH_SIZE must be an integer from 1 to 10000000, not \"0\""),
            ("HUB_BATCH_WAIT_MS", "2s", "HUB_BATCH_WAIT_MS must be an integer from 0 to 3600000 (milliseconds), not \"2s\""),
            ("HUB_BATCH_WAIT_MS", "-1", "HUB_BATCH_WAIT_MS must be an integer from 0 to 3600000 (milliseconds), not \"-1\""),
            ("HUB_LOG_LEVEL", "verbose", "HUB_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, not \"verbose\""),
            ("HUB_LOG_LEVEL", "INFO", "HUB_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, not \"INFO\""),
            ("HUB_LOG_FORMAT", "xml", "HUB_LOG_FORMAT must be one of text, json, not \"xml\""),
          ])
    func environmentErrors(variable: String, value: String, message: String) {
        #expect(failure([variable: value]) == message)
    }

    @Test("a flag's bad value names the flag, and the flag wins over the environment")
    func flagErrors() throws {
        #expect(failure(["HUB_BATCH_SIZE": "100"], ["--batch-size", "0"]) == "--batch-size must be an integer from 1 to 10000000, not \"0\"")
        #expect(failure([:], ["--log-level", "loud"]).hasPrefix("--log-level must be one of trace,"))
        #expect(try settings(["HUB_BATCH_SIZE": "ten"], ["--batch-size", "7"]).batchSize == 7)
        #expect(try settings(["HUB_HTTP_PORT": " 9000 "]).httpPort == 9000)
    }

    @Test("a value from the configuration file is named with the file")
    func configFileErrors() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString).env").path
        try "# settings\nHUB_BATCH_SIZE=\"250\"\nHUB_HTTP_PORT=nine\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(failure(["HUB_CONFIG_FILE": path]) == "HUB_HTTP_PORT (in \(path)) must be an integer from 0 to 65535, not \"nine\"")
        let s = try settings(["HUB_CONFIG_FILE": path, "HUB_HTTP_PORT": "9100"])
        #expect(s.batchSize == 250)
        #expect(s.httpPort == 9100)
    }

    @Test("a URL-form database with a password file becomes a keyword conninfo with the password")
    func urlWithPasswordFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "s3cr'et\\ x\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let s = try settings(["HUB_DATABASE": "postgresql://hub@db.example.org:5433/eduhub?sslmode=require",
                              "HUB_DATABASE_PASSWORD_FILE": path])
        #expect(!s.database.hasPrefix("postgresql:"))
        let parsed = try PGConnInfo(s.database)
        #expect(Dictionary(uniqueKeysWithValues: parsed.parameters.map { ($0.keyword, $0.value) })
                == ["user": "hub", "host": "db.example.org", "port": "5433", "dbname": "eduhub", "sslmode": "require", "password": "s3cr'et\\ x"])
        #expect(parsed["password"] == "s3cr'et\\ x")
        #expect(parsed["host"] == "db.example.org")
        #expect(s.databaseWithoutPassword == "postgresql://hub@db.example.org:5433/eduhub?sslmode=require")
        #expect(s.databasePasswordFile == path)
        // Keyword form works the same way.
        let k = try settings(["HUB_DATABASE": "host=h dbname=d", "HUB_DATABASE_PASSWORD_FILE": path])
        #expect(try PGConnInfo(k.database)["password"] == "s3cr'et\\ x")
        // Without a password file a URL is passed to libpq as written.
        #expect(try settings(["HUB_DATABASE": "postgresql:///eduhub"]).database == "postgresql:///eduhub")
    }

    @Test("an unreadable conninfo is one line naming the setting, without its text")
    func badConninfo() {
        let message = failure(["HUB_DATABASE": "host=db password=hunter2hunter2 sslmode"])
        #expect(message.hasPrefix("HUB_DATABASE is not a libpq connection string or postgresql:// URL: "), "\(message)")
        #expect(!message.contains("hunter2"))
        #expect(!message.contains("\n"))
        let url = failure([:], ["--database", "postgresql://u:hunter2@h/d?nosuchoption=1"])
        #expect(url.hasPrefix("--database is not a libpq connection string"), "\(url)")
        #expect(!url.contains("hunter2"))
        #expect(failure(["HUB_DATABASE_PASSWORD_FILE": "/nonexistent/pw"])
                == "cannot read the database password file /nonexistent/pw (--database-password-file / HUB_DATABASE_PASSWORD_FILE)")
    }

    @Test("worker-specific integers read the same way")
    func specificIntegers() throws {
        let source = try SettingSource(configFile: nil, environment: ["HUB_MAX_VALUE_BYTES": "1MiB"])
        #expect(throws: ConfigurationError.self) {
            _ = try source.integer(nil, flag: "--max-value-bytes", env: "HUB_MAX_VALUE_BYTES", default: 1, range: 1...Int(Int32.max))
        }
        do {
            _ = try source.integer(nil, flag: "--max-value-bytes", env: "HUB_MAX_VALUE_BYTES", default: 1, range: 1...Int(Int32.max), unit: "bytes")
        } catch {
            #expect(error.description == "HUB_MAX_VALUE_BYTES must be an integer from 1 to 2147483647 (bytes), not \"1MiB\"")
        }
        #expect(try source.integer(5, flag: "--max-value-bytes", env: "HUB_MAX_VALUE_BYTES", default: 1, range: 1...9) == 5)
        #expect(try source.optionalInteger(nil, flag: "--retention-days", env: "HUB_RAW_RETENTION_DAYS", range: 0...9) == nil)
    }
}
