import Foundation
import NIOConcurrencyHelpers
import NodewardCore
import NodewardServer
import Testing

@Suite struct RunStateTests {
    /// The sidecar's clock, moved by hand.
    final class ManualClock: Sendable {
        let nanos = NIOLockedValueBox<Int64>(0)
        func advance(_ duration: Duration) { nanos.withLockedValue { $0 += Int64(duration.components.seconds) * 1_000_000_000 } }
        var now: @Sendable () -> Int64 { { [nanos] in nanos.withLockedValue { $0 } } }
    }

    static func steps(run: String) throws -> [StepRequest] {
        try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array(globexStep(Fleet.globexRun.firstIndex(of: $0)!, replacing: ["run": run]).utf8)) }
    }

    @Test func runStateExpiresAfterItsTTLAndIsCounted() throws {
        let clock = ManualClock()
        let sidecar = makeSidecar({ $0.runTTL = .seconds(60) }, monotonicNanos: clock.now)
        let run = try Self.steps(run: "r-ttl")
        let first = sidecar.decide([run[0]])
        #expect(sidecar.decide([run[1]])[0].provenance.first == "s1", "within the TTL the run's state is kept")
        clock.advance(.seconds(61))
        // Expired: s2 arrives at a run the sidecar no longer knows; its source s1 is gone.
        let late = sidecar.decide([run[1]])[0]
        #expect(late.provenance.first != "s1")
        #expect(first[0].provenance == ["request"])
        let status = sidecar.status()
        #expect(status.runs.expired == 1 && status.runs.evicted == 1)
        #expect(sidecar.metricsText().contains("nodeward_shadow_run_evictions_total{reason=\"expired\"} 1"))
    }

    @Test func runStateIsCappedAndEvictionsCounted() throws {
        let sidecar = makeSidecar { $0.maxRuns = 16 }
        for index in 0..<100 { _ = sidecar.decide([try Self.steps(run: "r\(index)")[0]]) }
        let status = sidecar.status()
        #expect(status.runs.tracked <= 16)
        #expect(status.runs.overCapacity == 100 - status.runs.tracked)
        #expect(sidecar.metricsText().contains("nodeward_shadow_run_evictions_total{reason=\"capacity\"} \(status.runs.overCapacity)"))
    }

    @Test func explicitInputsWinOverValueMatching() throws {
        // s2 names s1 explicitly; with the inputs removed, provenance falls back to value matching.
        let sidecar = makeSidecar()
        let run = try Self.steps(run: "r-explicit")
        _ = sidecar.decide([run[0]])
        let explicit = sidecar.decide([run[1]])[0]
        #expect(explicit.provenance.first == "s1")
        let other = makeSidecar()
        let bare = try DecisionRequestDecoder.single(Array(globexStep(1, replacing: ["inputs": [["step": "request", "argument": "invoiceId"]]]).utf8))
        _ = other.decide([run[0]])
        #expect(other.decide([bare])[0].provenance == ["request"])
    }
}
