import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `shadow serve` killed with SIGKILL under load: the store stays intact, every decision acknowledged
/// in sync mode is in it exactly once, an async session loses at most its queue capacity, and the
/// restarted server serves again and reports the crashed session.
@Suite(.serialized) struct ShadowServeCrashTests {
    @Test(.timeLimit(.minutes(1))) func syncRecordsSurviveSigkill() throws {
        let fixture = try CrashFixture()
        defer { fixture.remove() }
        let acknowledged = try fixture.loadThenKill(["--record", "sync"], clients: 4, killAfter: 300).acknowledged
        #expect(acknowledged.count >= 300)

        let restarted = try fixture.restart(["--record", "sync"])
        #expect(restarted.stderr.contains("closed as crashed"), "\(restarted.stderr)")
        #expect(restarted.stderr.contains("record sync: no acknowledged decision is missing"))
        let crashed = try #require(restarted.status["crashedSessions"] as? [[String: Any]])
        #expect(crashed.count == 1)
        #expect(crashed.first?["recordMode"] as? String == "sync")
        #expect(crashed.first?["maxUnrecorded"] as? Int == 0)
        #expect(restarted.answeredAgain)
        try restarted.stop()

        #expect(try fixture.rows("PRAGMA integrity_check") == ["ok"])
        let stored = try fixture.storedRuns()
        let missing = acknowledged.subtracting(stored)
        #expect(missing.isEmpty, "\(missing.count) acknowledged sync decisions are missing, e.g. \(missing.sorted().prefix(3))")
        #expect(try fixture.duplicateDecisions() == 0)
        // The crashed session's committed count is what the store holds of it.
        let committed = crashed.first?["decisionsCommitted"] as? Int
        #expect(committed == stored.count, "committed \(String(describing: committed)), stored \(stored.count)")
        #expect(try fixture.rows("SELECT status FROM sessions ORDER BY id") == ["failed", "completed"])
    }

    @Test(.timeLimit(.minutes(1))) func asyncLossIsBoundedByTheQueueAndReported() throws {
        let fixture = try CrashFixture()
        defer { fixture.remove() }
        let capacity = 64
        let options = ["--record", "async", "--queue-capacity", String(capacity)]
        let (acknowledged, atKill) = try fixture.loadThenKill(options, clients: 4, killAfter: 400, quiesce: true)
        let queue = try #require(atKill["queue"] as? [String: Any])
        let dropped = try #require(queue["dropped"] as? Int), uncommitted = try #require(queue["depth"] as? Int)
        #expect(uncommitted <= capacity)

        let restarted = try fixture.restart(options)
        #expect(restarted.stderr.contains("at most \(capacity) acknowledged decisions"), "\(restarted.stderr)")
        let crashed = try #require(restarted.status["crashedSessions"] as? [[String: Any]])
        #expect(crashed.first?["recordMode"] as? String == "async")
        #expect(crashed.first?["maxUnrecorded"] as? Int == capacity)
        #expect(restarted.metrics.contains("nodeward_shadow_crashed_unrecorded_max \(capacity)"), "\(restarted.metrics)")
        #expect(restarted.answeredAgain)
        try restarted.stop()

        #expect(try fixture.rows("PRAGMA integrity_check") == ["ok"])
        let stored = try fixture.storedRuns()
        // Lost to the crash: what was uncommitted at the kill (at most the capacity); besides, what the full
        // queue dropped (counted, and answered anyway: async never waits for the store).
        let lost = acknowledged.subtracting(stored).count
        #expect(lost <= uncommitted + dropped, "\(lost) lost; \(uncommitted) uncommitted at the kill, \(dropped) dropped")
        #expect(lost - dropped <= capacity, "\(lost - dropped) acknowledged decisions lost to the crash, over the queue capacity \(capacity)")
        #expect(try fixture.duplicateDecisions() == 0)
    }
}

/// A temporary store and policies folder, and the sidecar processes run on them.
struct CrashFixture {
    let folder: URL
    let store: String
    let policies: String
    let tenants = CLI.packageRoot.appendingPathComponent("Samples/fleet/tenants").path
    /// A globex step record (a JSONL line), sent with a fresh run id each time.
    let stepLine: String

    init() throws {
        folder = try CLI.temporaryDirectory()
        store = folder.appendingPathComponent("serve.sqlite").path
        policies = folder.appendingPathComponent("policies").path
        let generated = try CLI.runBlocking(["policy", "generate", "Samples/fleet", "--graphs", "Samples/fleet/graphs", "--policies", policies])
        guard generated.status == 0 else { throw CrashTestError("policy generate failed: \(generated.stderr)") }
        let traces = try String(contentsOf: CLI.packageRoot.appendingPathComponent("Samples/fleet/traces/globex.steps.jsonl"), encoding: .utf8)
        guard let line = traces.split(separator: "\n").first(where: { $0.contains("\"run\":\"run-globex-00001\"") && !$0.contains("\"type\":\"run\"") })
        else { throw CrashTestError("no globex step in the sample traces") }
        stepLine = String(line)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func body(run: String) -> [UInt8] {
        Array(stepLine.replacingOccurrences(of: "\"run\":\"run-globex-00001\"", with: "\"run\":\"\(run)\"").utf8)
    }

    func launch(_ options: [String]) throws -> ServeProcess {
        // These clients send no token: the tests are about the store, not about authentication.
        try ServeProcess(arguments: ["shadow", "serve", "--tenants", tenants, "--policies", policies, "--store", store, "--port", "0",
                                     "--insecure-no-auth"] + options)
    }

    /// Runs `clients` keep-alive clients sending single-step decisions, each with a run id of its own, and
    /// SIGKILLs the server once `killAfter` are acknowledged: at once, under load (`quiesce` false); or
    /// after the clients stop and `/v1/status` is read (`quiesce` true), so the test knows what was
    /// dropped and what was still uncommitted at the kill. Returns the run ids answered 200 and that status.
    func loadThenKill(_ options: [String], clients: Int, killAfter: Int, quiesce: Bool = false) throws
        -> (acknowledged: Set<String>, statusAtKill: [String: Any])
    {
        let server = try launch(options)
        let acknowledged = AcknowledgedRuns()
        let group = DispatchGroup()
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard var connection = try? LoopbackConnection(port: server.port) else { return }
                for index in 0..<100_000 where !acknowledged.stopped {
                    let run = "crash-\(client)-\(index)"
                    guard let reply = try? connection.send(method: "POST", path: "/v1/decisions", body: self.body(run: run)) else { return }
                    if reply.status == 200 { acknowledged.insert(run) }
                }
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while acknowledged.count < killAfter, Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        var status: [String: Any] = [:]
        if quiesce {
            acknowledged.stop()
            _ = group.wait(timeout: .now() + 10)
            var connection = try LoopbackConnection(port: server.port)
            let reply = try connection.send(method: "GET", path: "/v1/status", body: [])
            status = (try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]) ?? [:]
        }
        server.kill()
        server.wait()
        acknowledged.stop()
        // Bounded: the clients stop when the killed server closes their connections.
        guard group.wait(timeout: .now() + 30) == .success else { throw CrashTestError("clients did not stop after the kill") }
        guard acknowledged.count >= killAfter else { throw CrashTestError("only \(acknowledged.count) decisions acknowledged in 30 s") }
        return (acknowledged.all, status)
    }

    struct Restarted {
        var process: ServeProcess
        var stderr: String
        var status: [String: Any]
        var metrics: String
        var answeredAgain: Bool

        func stop() throws {
            process.terminate()
            process.wait()
        }
    }

    func restart(_ options: [String]) throws -> Restarted {
        let server = try launch(options)
        var connection = try LoopbackConnection(port: server.port)
        let status = try connection.send(method: "GET", path: "/v1/status", body: [])
        let metrics = try connection.send(method: "GET", path: "/metrics", body: [])
        let decision = try connection.send(method: "POST", path: "/v1/decisions", body: body(run: "after-restart"))
        let object = (try? JSONSerialization.jsonObject(with: Data(status.body)) as? [String: Any]) ?? [:]
        return Restarted(process: server, stderr: server.stderrSoFar, status: object,
                         metrics: String(decoding: metrics.body, as: UTF8.self), answeredAgain: decision.status == 200)
    }

    func rows(_ sql: String) throws -> [String] {
        let result = try CLI.runBlocking(["store", "query", sql, "--store", store, "--format", "json", "--limit", "1000000"])
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let rows = object["rows"] as? [[Any]] else { throw CrashTestError("store query failed: \(result.stderr)") }
        return rows.compactMap { $0.first as? String }
    }

    func storedRuns() throws -> Set<String> {
        Set(try rows("SELECT r.run_id FROM decisions d JOIN steps s ON s.id = d.step JOIN runs r ON r.id = s.run WHERE r.run_id LIKE 'crash-%'"))
    }

    func duplicateDecisions() throws -> Int {
        Int(try rows("SELECT count(*) FROM (SELECT step, policy_version FROM decisions GROUP BY step, policy_version HAVING count(*) > 1)").first ?? "") ?? -1
    }
}

struct CrashTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class AcknowledgedRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var runs = Set<String>()

    private var stopRequested = false

    func insert(_ run: String) { lock.withLock { _ = runs.insert(run) } }
    func stop() { lock.withLock { stopRequested = true } }
    var stopped: Bool { lock.withLock { stopRequested } }
    var count: Int { lock.withLock { runs.count } }
    var all: Set<String> { lock.withLock { runs } }
}

/// A `nodeward shadow serve` child process; `port` is read from its "listening on" line.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var stderrText = ""
    private(set) var port = 0

    init(arguments: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLI.packageRoot
        process.standardOutput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardError = pipe
        let listening = DispatchSemaphore(value: 0)
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { handle.readabilityHandler = nil; return }
            let sawPort = self.lock.withLock { () -> Bool in
                self.stderrText += String(decoding: data, as: UTF8.self)
                guard self.port == 0, let range = self.stderrText.range(of: "listening on http://127.0.0.1:") else { return false }
                let digits = self.stderrText[range.upperBound...].prefix { $0.isNumber }
                self.port = Int(digits) ?? 0
                return self.port != 0
            }
            if sawPort { listening.signal() }
        }
        try process.run()
        guard listening.wait(timeout: .now() + 20) == .success else {
            process.terminate()
            throw CrashTestError("the sidecar did not start listening: \(stderrSoFar)")
        }
    }

    var stderrSoFar: String { lock.withLock { stderrText } }

    func kill() { if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) } }
    func terminate() { if process.isRunning { process.terminate() } }
    func wait() { process.waitUntilExit() }
}

/// A blocking HTTP/1.1 keep-alive connection to 127.0.0.1 (responses must carry Content-Length).
struct LoopbackConnection {
    struct Reply {
        var status: Int
        var body: [UInt8]
    }

    let socket: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw CrashTestError("cannot connect to port \(port)")
        }
    }

    mutating func send(method: String, path: String, body: [UInt8]) throws -> Reply {
        var request = Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        request += body
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw CrashTestError("send failed") }
            sent += written
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.upperBound
            if headerEnd == nil { try fill() }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw CrashTestError("bad status line")
        }
        let length = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        while buffer.count < headerEnd! + length { try fill() }
        let reply = Reply(status: status, body: Array(buffer[headerEnd!..<headerEnd! + length]))
        buffer.removeFirst(headerEnd! + length)
        return reply
    }

    private mutating func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw CrashTestError("connection closed") }
        buffer += chunk[..<count]
    }
}
