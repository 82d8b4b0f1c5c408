import Testing
import WorkerRuntime

/// ``StageMetrics``' wait totals, which the worker logs when it stops.
@Suite("Stage metrics")
struct StageMetricsTests {
    @Test("a wait recorded through any copy of the metrics counts in the totals, under its own cause only")
    func waitsAddUpAcrossCopies() {
        let metrics = StageMetrics(stage: "transform")
        let stageCopy = metrics  // as the stage holds it; the consumer holds another copy
        let now = ContinuousClock.now
        metrics.waited(on: .reference, since: now - .milliseconds(300))
        stageCopy.waited(on: .reference, since: now - .milliseconds(200))
        let reference = metrics.totalWait(on: .reference)
        #expect(reference >= .milliseconds(500))
        #expect(reference < .seconds(60))
        #expect(stageCopy.totalWait(on: .reference) == reference)
        #expect(metrics.totalWait(on: .input) == .zero)
        #expect(StageMetrics(stage: "transform").totalWait(on: .reference) == .zero)
    }
}
