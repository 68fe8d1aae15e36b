import Foundation
@testable import NodewardServer
import NodewardCore
import NodewardStore
import Testing

@Suite struct SessionRecoveryTests {
    static func temporaryStore() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-recovery-\(UUID().uuidString).sqlite").path
    }

    @Test func markerRoundTripsAndRejectsOtherText() {
        let marker = SessionMarker(pid: 4242, mode: .async, queueCapacity: 64)
        #expect(SessionMarker.parse("tenants/ policies" + marker.text) == marker)
        #expect(SessionMarker.parse("tenants/ policies") == nil)
        #expect(SessionMarker.parse("x [serve pid=1 record=later queue=3]") == nil)
    }

    /// A serve session left `running` by a dead process is closed with its committed count and reported;
    /// one of a live process (this one) is left alone.
    @Test func crashedSessionsAreClosedAndLiveOnesLeftAlone() throws {
        let path = Self.temporaryStore()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try NodewardDatabase(path: path)
        // A pid that cannot exist (above the kernel's pid_max).
        let dead = try database.beginSession(kind: .serve, inputs: "p" + SessionMarker(pid: 1 << 30, mode: .async, queueCapacity: 64).text)
        let sidecar = makeSidecar()
        let records = sidecar.evaluate(try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) }).1
        try database.record(DecisionBatch(decisions: records), session: dead)
        let unmarked = try database.beginSession(kind: .serve, inputs: "written by an older nodeward")
        let live = try database.beginSession(kind: .serve, inputs: "p" + SessionMarker(pid: Int(getpid()), mode: .sync, queueCapacity: 8).text)

        let sink = try StoreSink(path: path, inputs: "p", mode: .sync, queueCapacity: 16)
        #expect(sink.recovered.map(\.session) == [dead.rawValue, unmarked.rawValue])
        let first = try #require(sink.recovered.first)
        #expect(first.decisionsCommitted == 7 && first.recordMode == .async && first.maxUnrecorded == 64)
        #expect(first.logLine.contains("closed as crashed with 7 decisions committed"))
        #expect(first.logLine.contains("at most 64 acknowledged decisions"))
        #expect(sink.recovered.last?.maxUnrecorded == nil)
        let statuses = try database.query("SELECT id, status, decisions FROM sessions ORDER BY id").rows
        #expect(statuses == [[String(dead.rawValue), "failed", "7"], [String(unmarked.rawValue), "failed", "0"],
                             [String(live.rawValue), "running", "0"], [String(sink.session.rawValue), "running", "0"]])

        sidecar.noteCrashedSessions(sink.recovered)
        #expect(sidecar.status().crashedSessions.count == 2)
        let metrics = sidecar.metricsText()
        #expect(metrics.contains("nodeward_shadow_crashed_sessions 2"))
        #expect(metrics.contains("nodeward_shadow_crashed_unrecorded_max -1"))
    }
}
