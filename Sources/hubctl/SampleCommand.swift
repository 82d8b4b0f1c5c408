import ArgumentParser
import Foundation
import HubCore
import Kafka
import WorkerRuntime

struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Generated sample data for demos and benchmarks.", subcommands: [Produce.self])

    struct Produce: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce a generated province sample (registry, students, teachers, attendance, some bad records) and write the expected aggregates.")
        @OptionGroup var common: CommonOptions
        @Option(name: .long, help: "Number of students (plus their updates). Default 3000.")
        var students = 3000
        @Option(name: .long, help: "Random seed. Default 42.")
        var seed: UInt64 = 42
        @Option(name: .long, help: "Write the expected aggregates and quarantine counts here as JSON.")
        var truthFile: String?
        @Option(name: .long, help: "Percentage of messages re-sent unchanged later (producer retries). Default 2.")
        var resendPercent = 2
        @Option(name: .long, help: "Produce at most this many raw records per second (0 = as fast as possible), each message stamped with the time it is sent (so produce→visible latency can be read from the stored source time). Default 0.")
        var rate = 0

        func run() async throws {
            let ctx = try Context(common)
            var gen = SampleGenerator(seed: seed)
            var packer = SamplePacker(rng: SplitMix64(seed: seed ^ 0xABCDEF))
            let producer = try KafkaProducer(config: ctx.kafkaConfig)
            func send(_ messages: [SampleGenerator.Message], stampedNow: Bool = false) throws {
                for m in messages {
                    let timestampMs = stampedNow ? Int64((Date().timeIntervalSince1970 * 1000).rounded()) : m.timestampMs
                    try producer.send(topic: ctx.settings.topic(m.topic), key: Array(m.key.utf8), value: m.value,
                                      headers: m.headers.map { KafkaHeader(name: $0.0, string: $0.1) }, timestampMs: timestampMs)
                }
            }
            try send(gen.registryMessages())
            try producer.flush(timeout: .seconds(30))

            var studentRecords = gen.students(students)
            for _ in 0..<max(1, students / 200) { studentRecords += gen.badStudents() }
            let teacherRecords = gen.teachers(perSchool: max(2, students / 150))
            let attendanceRecords = gen.attendance(days: 3, classesPerSchool: 6)
            var messages = packer.pack(studentRecords, topic: "raw.student")
            messages += packer.wholeValueFailures(topic: "raw.student", key: gen.schools[0].code)
            messages += packer.pack(teacherRecords, topic: "raw.teacher")
            messages += packer.pack(attendanceRecords, topic: "raw.attendance")
            messages = packer.withResends(messages, percent: resendPercent)
            var truth = gen.truth
            for m in messages { truth.quarantine.merge(m.quarantine) { $0 + $1 } }
            if rate > 0 {
                let started = ContinuousClock.now
                var sent = 0
                for m in messages {
                    try send([m], stampedNow: true)
                    sent += m.records
                    let due = started + .microseconds(Int64(sent) * 1_000_000 / Int64(rate))
                    if due > ContinuousClock.now { try await Task.sleep(until: due) }
                }
            } else {
                try send(messages)
            }
            try producer.flush(timeout: .seconds(60))
            let all = studentRecords.map(\.1) + teacherRecords.map(\.1) + attendanceRecords.map(\.1)
            let valid = all.filter { $0.expectedReason == nil }.count
            say("produced \(gen.schools.count) schools, \(all.count) raw records (\(valid) valid) in \(messages.count) messages (seed \(seed))")
            if let truthFile {
                try TruthFile(truth).write(to: truthFile)
            }
        }
    }
}

/// The expected results of a sample, as JSON, for `hubctl show --expect`.
struct TruthFile: Codable {
    var enrollment: [String: Int]
    var teachers: [String: Int]
    var attendance: [String: [Int]]
    var quarantine: [String: Int]

    init(_ t: SampleGenerator.Truth) {
        enrollment = t.enrollment
        teachers = t.teachers
        attendance = t.attendance.mapValues { [$0.0, $0.1] }
        quarantine = t.quarantine
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> TruthFile {
        try JSONDecoder().decode(TruthFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
