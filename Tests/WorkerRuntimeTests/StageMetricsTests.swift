import Foundation
import Testing
import WorkerRuntime

/// ``StageMetrics``' wait totals, which the worker logs when it stops.
@Suite("Stage metrics")
struct StageMetricsTests {
    @Test("a wait recorded through any copy of the metrics counts in the totals, under its own cause only")
    func waitsAddUpAcrossCopies() {
        let metrics = StageMetrics(stage: "transform")
        let stageCopy = metrics  // as the stage holds it; the consumer holds another copy
        let waited = metrics.blocked(on: .reference) { 7 }
        stageCopy.blocked(on: .reference) { _ = usleep(20_000) }
        metrics.blocked(on: .reference) { _ = usleep(30_000) }
        let reference = metrics.totalWait(on: .reference)
        #expect(waited == 7)
        #expect(reference >= .milliseconds(50))
        #expect(reference < .seconds(60))
        #expect(stageCopy.totalWait(on: .reference) == reference)
        #expect(metrics.totalWait(on: .input) == .zero)
        #expect(StageMetrics(stage: "transform").totalWait(on: .reference) == .zero)
    }
}
