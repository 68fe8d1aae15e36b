import Foundation
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NodewardCore
@testable import NodewardServer
import NodewardStore
import Testing

/// Overload and slow clients against a live sidecar: excess load is shed with 503 and `Retry-After`,
/// backlogs stay within their caps, memory stays bounded, and the sidecar answers normally afterwards.
@Suite struct OverloadTests {
    /// Resident set size of this process, bytes (Linux `/proc/self/statm`; 0 elsewhere).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    struct Tally: Sendable {
        var ok = 0
        var shed = 0
        var shedWithRetryAfter = 0
        var shedWithJSONError = 0
        var other: [Int] = []
        /// Requests that got no reply within the read timeout (or connections that failed).
        var unanswered: [String] = []
    }

    @Test(.timeLimit(.minutes(3)))
    func loadAtTwiceCapacityIsShedNotQueued() async throws {
        // A slow store (20 ms per transaction of at most 16 records: ~800 sync records/s) and small caps.
        let sink = CollectingSink(delay: 0.02)
        let sidecar = makeSidecar {
            $0.recordMode = .sync
            $0.queueCapacity = 32
            $0.recordBatchSize = 16
            $0.maxInFlight = 24
            $0.maxRuns = 500
        }
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 16, interval: .milliseconds(50), logger: quietLogger)
        let app = ShadowServer.application(sidecar, services: [recorder])
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let body = Array(Fleet.globexRun[1].utf8)
            let before = Self.residentBytes()
            let tally = NIOLockedValueBox(Tally())
            let maxDepth = NIOLockedValueBox(0)
            let deadline = Date().addingTimeInterval(3)
            // 48 closed-loop clients, twice the in-flight cap and far beyond what the store absorbs.
            // Each on a thread of its own with a read timeout: a reply that never comes is a failure
            // (with the queue's state at that moment), not a hang.
            let clients = 48
            let done = DispatchGroup()
            for client in 0..<clients {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    guard let connection = try? testConnection(port: port) else {
                        tally.withLockedValue { $0.unanswered.append("client \(client) could not connect") }
                        return
                    }
                    var index = 0
                    while Date() < deadline {
                        index += 1
                        // A run of its own per request: the run table must stay within maxRuns.
                        let text = String(decoding: body, as: UTF8.self)
                            .replacingOccurrences(of: "run-globex-00001", with: "load-\(client)-\(index)")
                        guard let reply = try? connection.send(method: "POST", path: "/v1/decisions", body: Array(text.utf8)) else {
                            let counts = sidecar.queue.counts
                            tally.withLockedValue {
                                $0.unanswered.append("client \(client) request \(index): no reply; queue depth \(counts.depth), "
                                                     + "waiting \(counts.waiting), recorded \(counts.recorded)")
                            }
                            return
                        }
                        tally.withLockedValue { tally in
                            switch reply.status {
                            case 200: tally.ok += 1
                            case 503:
                                tally.shed += 1
                                if reply.headers["retry-after"] == "1" { tally.shedWithRetryAfter += 1 }
                                let object = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any]
                                if object?["status"] as? Int == 503, object?["error"] is String { tally.shedWithJSONError += 1 }
                            default: tally.other.append(reply.status)
                            }
                        }
                    }
                }
            }
            // Watch the backlogs while the load runs.
            while Date() < deadline {
                let status = sidecar.status()
                maxDepth.withLockedValue { $0 = max($0, status.queue.depth) }
                #expect(status.runs.tracked <= 500)
                try await Task.sleep(for: .milliseconds(20))
            }
            await withCheckedContinuation { continuation in done.notify(queue: .global()) { continuation.resume() } }
            let result = tally.withLockedValue { $0 }
            #expect(result.unanswered.isEmpty, "\(result.unanswered.count) unanswered: \(result.unanswered.prefix(3))")
            #expect(result.ok > 0)
            #expect(result.shed > 0, "no request was shed: \(result)")
            #expect(result.shedWithRetryAfter == result.shed)
            #expect(result.shedWithJSONError == result.shed)
            #expect(result.other.isEmpty, "unexpected statuses \(Set(result.other))")
            let status = sidecar.status()
            #expect(maxDepth.withLockedValue { $0 } <= 32)
            #expect(status.inFlight.peak <= 24)
            #expect(status.shed["in-flight", default: 0] + status.shed["queue", default: 0] == result.shed)
            // Every acknowledged sync decision reached the sink.
            #expect(sink.records.withLockedValue { $0.count } >= result.ok)
            let growth = Self.residentBytes() - before
            #expect(growth < 200 << 20, "RSS grew by \(growth >> 20) MB")

            // Afterwards it answers normally.
            let after = try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0])
            #expect(after.status == .ok)
            let metrics = sidecar.metricsText()
            #expect(metrics.contains("nodeward_shadow_shed_requests_total{reason=\"in-flight\"}")
                || metrics.contains("nodeward_shadow_shed_requests_total{reason=\"queue\"}"))
            #expect(metrics.contains("nodeward_shadow_rejected_requests_total{status=\"503\"}"))
        }
    }

    @Test func requestsOverTheInFlightLimitGet503WithRetryAfter() async throws {
        let sidecar = makeSidecar {
            $0.maxInFlight = 1
            $0.retryAfterSeconds = 2
        }
        try await makeApp(sidecar).test(.router) { client in
            #expect(sidecar.admit())  // one request holds the only slot
            let shed = try await client.execute(uri: "/v1/decisions", method: .post, headers: [:], body: ByteBuffer(string: Fleet.globexRun[0])) { $0 }
            #expect(shed.status == .serviceUnavailable)
            #expect(shed.headers[.retryAfter] == "2")
            let object = try JSONSerialization.jsonObject(with: Data(String(buffer: shed.body).utf8)) as? [String: Any]
            #expect(object?["status"] as? Int == 503)
            #expect((object?["error"] as? String)?.contains("in flight") == true)
            sidecar.leave()
            #expect(try await send(client, .post, "/v1/decisions", body: Fleet.globexRun[0]).status == .ok)
        }
        #expect(sidecar.status().shed == ["in-flight": 1])
        #expect(sidecar.status().inFlight == .init(current: 0, peak: 1, limit: 1))
        #expect(sidecar.metricsText().contains("nodeward_shadow_shed_requests_total{reason=\"in-flight\"} 1"))
    }

    @Test func syncModeAnswersAfterCommitAndShedsWhenTheStoreFails() async throws {
        struct FailingSink: DecisionSink {
            func write(_ records: [DecisionRecord]) throws(Diagnostic) { throw Diagnostic.error("store.write", "disk full") }
            func finish(decisions: Int, failed: Bool) {}
        }
        let sink = CollectingSink()
        let sidecar = makeSidecar { $0.recordMode = .sync }
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 64, interval: .seconds(3_600), logger: quietLogger)
        try await ShadowServer.application(sidecar, services: [recorder]).test(.router) { client in
            let reply = try await send(client, .post, "/v1/decisions/batch", body: batchBody(Fleet.globexRun))
            #expect(reply.status == .ok)
            // Answered only once committed: the records are in the sink already, despite the hour-long interval.
            #expect(sink.records.withLockedValue { $0.map(\.step.stepId) } == ["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
        }

        let failing = makeSidecar { $0.recordMode = .sync }
        let failingRecorder = RecorderService(queue: failing.queue, sink: FailingSink(), batchSize: 64, interval: .seconds(3_600),
                                              logger: quietLogger)
        try await ShadowServer.application(failing, services: [failingRecorder]).test(.router) { client in
            let reply = try await client.execute(uri: "/v1/decisions", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: Fleet.globexRun[0])) { $0 }
            #expect(reply.status == .serviceUnavailable)
            #expect(reply.headers[.retryAfter] == "1")
            #expect(String(buffer: reply.body).contains("could not be recorded"))
        }
        #expect(failing.status().shed["record-failed"] == 1)
    }

    @Test func groupCommitWritesConcurrentSyncRequestsTogether() async throws {
        // Each transaction takes 50 ms: 40 concurrent requests must share a few, not take 2 s.
        let sink = CountingSink(delay: 0.05)
        let sidecar = makeSidecar { $0.recordMode = .sync }
        let recorder = RecorderService(queue: sidecar.queue, sink: sink, batchSize: 4_096, interval: .seconds(3_600), logger: quietLogger)
        try await ShadowServer.application(sidecar, services: [recorder]).test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<40 {
                    let body = Fleet.globexRun[1].replacingOccurrences(of: "run-globex-00001", with: "group-\(index)")
                    group.addTask { try await send(client, .post, "/v1/decisions", body: body).status }
                }
                for try await status in group { #expect(status == .ok) }
            }
        }
        let (batches, records) = sink.totals.withLockedValue { $0 }
        #expect(records == 40)
        #expect(batches < 20, "\(batches) transactions for 40 sync requests")
    }

    @Test(.timeLimit(.minutes(2))) func idleAndTricklingClientsAreCutOff() async throws {
        // The idle timeout is well above the body timeout and the 100 ms between trickled bytes, so a
        // loaded machine that delays the trickler cannot turn the 408 into an idle close.
        let sidecar = makeSidecar {
            $0.idleTimeout = .milliseconds(1_500)
            $0.bodyTimeout = .milliseconds(400)
        }
        try await makeApp(sidecar).test(.live) { client in
            let port = try #require(client.port)
            // Connects and sends nothing: closed after the idle timeout.
            #expect(try await onOwnThread { try testConnection(port: port).isClosedByPeer(within: 15) })

            // Sends half a request head and stops: closed too.
            #expect(try await onOwnThread {
                let halfHead = try testConnection(port: port)
                try halfHead.write(Array("POST /v1/decisions HTTP/1.1\r\nHost: x\r\n".utf8))
                return halfHead.isClosedByPeer(within: 15)
            })

            // Trickles a body a byte every 100 ms, each within the idle timeout: 408 once the body
            // deadline passes, long before the whole body is sent.
            let body = Array(Fleet.globexRun[0].utf8)
            let (status, sent) = try await onOwnThread { () -> (Int?, Int) in
                let trickler = try testConnection(port: port)
                try trickler.write(Array("POST /v1/decisions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
                var sent = 0
                for byte in body {
                    if trickler.hasIncoming(within: 0.1) { break }
                    try? trickler.write([byte])
                    sent += 1
                }
                return ((try? trickler.readReply())?.status, sent)
            }
            #expect(status == 408, "\(String(describing: status))")
            #expect(sent < body.count, "the whole body was sent before the sidecar answered")

            // The sidecar still answers.
            let after = try await onOwnThread {
                try testConnection(port: port).send(method: "POST", path: "/v1/decisions", body: Array(Fleet.globexRun[0].utf8)).status
            }
            #expect(after == 200)
        }
    }
}

/// Counts transactions and records (optionally slowly).
final class CountingSink: DecisionSink, Sendable {
    let totals = NIOLockedValueBox((batches: 0, records: 0))
    let delay: TimeInterval

    init(delay: TimeInterval) { self.delay = delay }

    func write(_ batch: [DecisionRecord]) throws(Diagnostic) {
        Thread.sleep(forTimeInterval: delay)
        totals.withLockedValue { $0 = ($0.batches + 1, $0.records + batch.count) }
    }

    func finish(decisions: Int, failed: Bool) {}
}
