import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NodewardCore
import NodewardServer
import NodewardStore
import Testing

/// The sample fleet's sandboxes with node policies generated from its committed task graphs, and
/// the steps of one recorded globex run as request bodies.
enum Fleet {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet")
    static let tenantsFolder = root.appendingPathComponent("tenants").path

    static let bundle: PolicyBundle = {
        let sandboxes = SandboxReader().read(paths: [tenantsFolder]).sandboxes
        let graphs = GraphFiles.load(directory: root.appendingPathComponent("graphs").path).graphs
        let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes).generate() }
        return PolicyBundle(sandboxes: sandboxes, sets: sets)
    }()

    /// The JSONL lines of run-globex-00001's steps, in order; the first carries the run's request text.
    static let globexRun: [String] = {
        let text = (try? String(contentsOf: root.appendingPathComponent("traces/globex.steps.jsonl"), encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init).filter { $0.contains("\"run\":\"run-globex-00001\"") }
        guard let header = lines.first(where: { $0.contains("\"type\":\"run\"") }),
              let request = (try? JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any])?["request"] as? String
        else { return [] }
        var steps = lines.filter { !$0.contains("\"type\":\"run\"") }
        var first = (try? JSONSerialization.jsonObject(with: Data(steps[0].utf8)) as? [String: Any]) ?? [:]
        first["request"] = request
        steps[0] = String(decoding: try! JSONSerialization.data(withJSONObject: first, options: [.sortedKeys]), as: UTF8.self)
        return steps
    }()

    /// A policies folder of its own, for reload tests.
    static func writePolicies(_ sets: [PolicySet]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for set in sets { try set.yaml().write(to: folder.appendingPathComponent(set.fileStem + ".yaml"), atomically: true, encoding: .utf8) }
        return folder.path
    }
}

let quietLogger = Logger(label: "nodeward.shadow.test", factory: { _ in SwiftLogNoOpLogHandler() })

func makeSidecar(_ configure: (inout SidecarConfiguration) -> Void = { _ in }, loader: ShadowSidecar.Loader? = nil,
                 monotonicNanos: (@Sendable () -> Int64)? = nil, bundle: PolicyBundle = Fleet.bundle) -> ShadowSidecar {
    var configuration = SidecarConfiguration()
    configuration.port = 0
    configure(&configuration)
    return ShadowSidecar(configuration: configuration, bundle: bundle, loader: loader ?? { .success(bundle) }, logger: quietLogger,
                         monotonicNanos: monotonicNanos)
}

func makeApp(_ sidecar: ShadowSidecar) -> some ApplicationProtocol { ShadowServer.application(sidecar) }

struct Reply {
    var status: HTTPResponse.Status
    var text: String
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
}

func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
          token: String? = nil, contentType: String? = "application/json", headers extra: HTTPFields = [:]) async throws -> Reply {
    var headers = extra
    if let token { headers[.authorization] = "Bearer \(token)" }
    if body != nil, let contentType { headers[.contentType] = contentType }
    return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
        Reply(status: response.status, text: String(buffer: response.body))
    }
}

func decode<T: Decodable>(_ type: T.Type, _ reply: Reply) throws -> T {
    try JSONDecoder().decode(type, from: Data(reply.text.utf8))
}

func batchBody(_ lines: [String]) -> String { "{\"steps\":[\(lines.joined(separator: ","))]}" }

/// A step of the globex run with some members replaced (JSON values as text).
func globexStep(_ index: Int, replacing members: [String: Any]) -> String {
    var object = (try? JSONSerialization.jsonObject(with: Data(Fleet.globexRun[index].utf8)) as? [String: Any]) ?? [:]
    for (key, value) in members { object[key] = value }
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// A sink that keeps what it is given (optionally slowly).
final class CollectingSink: DecisionSink, Sendable {
    let records = NIOLockedValueBox<[DecisionRecord]>([])
    let finished = NIOLockedValueBox(false)
    let delay: TimeInterval

    init(delay: TimeInterval = 0) { self.delay = delay }

    func write(_ batch: [DecisionRecord]) throws(Diagnostic) {
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        records.withLockedValue { $0 += batch }
    }

    func finish(decisions: Int, failed: Bool) { finished.withLockedValue { $0 = true } }
}

/// Runs blocking work (plain sockets, group waits) on a thread of its own and awaits it. Blocking a
/// thread of Swift's cooperative pool instead starves the in-process sidecar under test, whose
/// handlers run on that pool: with the pool's few threads parked in waits that need the sidecar to
/// answer, nothing answers. That, not the record queue, was the overload hang of issue #8.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// A loopback connection whose reads give up after `timeout` seconds, so a reply that never comes
/// fails the test instead of hanging it. Generous: CPU-bound tests running alongside can hold both
/// of the pool's threads for tens of seconds, and the sidecar under test answers only on that pool.
func testConnection(port: Int, timeout: Double = 60) throws -> LoopbackConnection {
    let connection = try LoopbackConnection(port: port)
    connection.setReceiveTimeout(seconds: timeout)
    return connection
}
