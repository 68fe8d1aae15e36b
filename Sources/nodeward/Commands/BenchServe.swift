import Dispatch
import Foundation
import Logging
import NodewardCore
import NodewardServer
import NodewardStore

/// `nodeward bench --workloads serve`: the shadow sidecar in this process on 127.0.0.1 (an ephemeral
/// port), with policies generated from the workspace as the `replay` workload does, driven over
/// loopback by keep-alive HTTP/1.1 clients on plain sockets, one thread each, for a bounded time.
/// Four rows: single-step and batch requests, each without and with the store (async recording).
enum BenchServe {
    struct Options {
        var seconds: Double
        var connections: Int
        var batchSteps = 100
    }

    /// One pass of load; latency is per request.
    struct Pass {
        var requests = 0
        var steps = 0
        var failures = 0
        var latencies: [UInt64] = []
    }

    static func run(_ workspace: Workspace, options: Options) throws -> [BenchCommand.Measurement] {
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let sets = (inferred.graphs ?? []).map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() }
        let bundle = PolicyBundle(sandboxes: inferred.sandboxes, sets: sets)
        let bodies = requestBodies(workspace, limit: 20_000)
        guard !bodies.isEmpty else { throw NodewardExit.badInput }
        let batches = stride(from: 0, to: bodies.count, by: options.batchSteps).map { start in
            Array("{\"steps\":[".utf8) + Array(bodies[start..<min(bodies.count, start + options.batchSteps)].joined(separator: Array(",".utf8)))
                + Array("]}".utf8)
        }
        var results: [BenchCommand.Measurement] = []
        for store in [false, true] {
            for (name, path, payloads, stepsPerRequest) in [("serve-single", "/v1/decisions", bodies, 1),
                                                             ("serve-batch", "/v1/decisions/batch", batches, options.batchSteps)] {
                let workload = name + (store ? "-store" : "")
                let pass = try measure(bundle: bundle, store: store, path: path, payloads: payloads, stepsPerRequest: stepsPerRequest,
                                       options: options)
                results.append(measurement(workload, pass, seconds: options.seconds))
                Terminal.err("\(workload): \(Int(Double(pass.requests) / options.seconds).grouped) req/s, "
                             + "\(Int(Double(pass.steps) / options.seconds).grouped) steps/s, p50 \(percentile(pass.latencies, 0.5) / 1000) µs, "
                             + "p99 \(percentile(pass.latencies, 0.99) / 1000) µs, \(pass.failures) failed")
            }
        }
        return results
    }

    static let benchToken = "nodeward-bench-\(UInt64.random(in: 0...UInt64.max))"

    static func measure(bundle: PolicyBundle, store: Bool, path: String, payloads: [[UInt8]], stepsPerRequest: Int,
                        options: Options) throws -> Pass {
        var configuration = SidecarConfiguration()
        configuration.port = 0
        configuration.maxInFlight = max(256, options.connections * 2)
        // Measured as served: with a bearer token, so the timings include the token check.
        configuration.access = .token(benchToken)
        let logger = Logger(label: "nodeward.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let sidecar = ShadowSidecar(configuration: configuration, bundle: bundle, loader: { .success(bundle) }, logger: logger)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-bench-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var sink: StoreSink?
        if store {
            do throws(Diagnostic) {
                sink = try StoreSink(path: folder.appendingPathComponent("bench.sqlite").path, inputs: "bench")
            } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
        }
        let listening = DispatchSemaphore(value: 0)
        let port = Box()
        let group = ShadowServer.serviceGroup(sidecar, sink: sink) { bound in
            port.set(bound)
            listening.signal()
        }
        let stopped = DispatchSemaphore(value: 0)
        Task.detached {
            try? await group.run()
            stopped.signal()
        }
        guard listening.wait(timeout: .now() + 30) == .success else { throw NodewardExit.badInput }
        let pass = load(port: port.value, path: path, payloads: payloads, stepsPerRequest: stepsPerRequest, options: options)
        Task.detached { await group.triggerGracefulShutdown() }
        stopped.wait()
        return pass
    }

    /// `connections` threads, each a keep-alive connection sending requests back to back until the deadline.
    static func load(port: Int, path: String, payloads: [[UInt8]], stepsPerRequest: Int, options: Options) -> Pass {
        let results = Results()
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(options.seconds * 1e9)
        let done = DispatchGroup()
        for client in 0..<options.connections {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                var pass = Pass()
                pass.latencies.reserveCapacity(1 << 16)
                guard let connection = try? LoopbackConnection(port: port) else {
                    pass.failures += 1
                    results.add(pass)
                    return
                }
                let first = client * 7_919 % payloads.count
                var index = first
                var lap = 0
                while true {
                    let started = DispatchTime.now().uptimeNanoseconds
                    if started >= deadline { break }
                    // Runs of this connection and lap only: the sidecar answers a step it has seen (same
                    // tenant, run and step id) from memory, so resending one would time a retry, not a decision.
                    let body = withRunPrefix(payloads[index], "c\(client)l\(lap)-")
                    let request = LoopbackConnection.request(method: "POST", path: path, body: body, token: benchToken)
                    guard (try? connection.write(request)) != nil, let reply = try? connection.readReply() else {
                        pass.failures += 1
                        break
                    }
                    pass.latencies.append(DispatchTime.now().uptimeNanoseconds - started)
                    if reply.status == 200 {
                        pass.requests += 1
                        pass.steps += stepsPerRequest
                    } else {
                        pass.failures += 1
                    }
                    index = (index + 1) % payloads.count
                    if index == first { lap += 1 }
                }
                results.add(pass)
            }
        }
        done.wait()
        return results.total
    }

    /// The body with `prefix` put before every run id (each `"run":"` member of the canonical JSON text).
    static func withRunPrefix(_ body: [UInt8], _ prefix: String) -> [UInt8] {
        let key = Array(#""run":""#.utf8), inserted = Array(prefix.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(body.count + inserted.count * 128)
        var position = 0
        while position < body.count {
            if body[position] == key[0], position + key.count <= body.count, body[position..<position + key.count].elementsEqual(key) {
                out += key
                out += inserted
                position += key.count
            } else {
                out.append(body[position])
                position += 1
            }
        }
        return out
    }

    static func measurement(_ workload: String, _ pass: Pass, seconds: Double) -> BenchCommand.Measurement {
        let latency = BenchDecisions.Latency(
            decisions: pass.requests, medianNanos: Double(percentile(pass.latencies, 0.5)), p99Nanos: Double(percentile(pass.latencies, 0.99)),
            meanNanos: pass.latencies.isEmpty ? 0 : Double(pass.latencies.reduce(0, +)) / Double(pass.latencies.count),
            decisionsPerSecond: Int(Double(pass.requests) / seconds))
        return BenchCommand.Measurement(workload: workload, seconds: seconds, runs: 0, steps: pass.steps, bytes: 0,
                                        stepsPerSecond: Int(Double(pass.steps) / seconds), megabytesPerSecond: 0,
                                        peakRSSMegabytes: BenchCommand.peakRSSMegabytes(), latency: latency)
    }

    static func percentile(_ values: [UInt64], _ fraction: Double) -> UInt64 {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    /// The workspace's steps as decision request bodies (Nodeward JSONL step records; the first step of
    /// each run carries its request text), in run start order.
    static func requestBodies(_ workspace: Workspace, limit: Int) -> [[UInt8]] {
        let runs = BenchDecisions.load(workspace, limit: limit).runs
        var bodies: [[UInt8]] = []
        for run in runs {
            for (index, step) in run.steps.enumerated() {
                var record = StepRecordText.record(step)
                if index == 0, let request = run.userRequest, case .object(var members) = record {
                    members["request"] = .string(request)
                    record = .object(members)
                }
                bodies.append(Array(record.canonicalText.utf8))
            }
        }
        return bodies
    }

    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var port = 0
        func set(_ value: Int) { lock.withLock { port = value } }
        var value: Int { lock.withLock { port } }
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var pass = Pass()
        func add(_ other: Pass) {
            lock.withLock {
                pass.requests += other.requests
                pass.steps += other.steps
                pass.failures += other.failures
                pass.latencies += other.latencies
            }
        }
        var total: Pass { lock.withLock { pass } }
    }
}

/// A step as a Nodeward JSONL step record (docs/formats.md), the fields decisions read.
enum StepRecordText {
    static func record(_ step: Step) -> JSONValue {
        var fields: [String: JSONValue] = [
            "v": .int(1), "tenant": .string(step.tenant), "agent": .string(step.agent), "workflow": .string(step.workflow),
            "run": .string(step.runId), "step": .string(step.stepId), "time": .string(Timestamp.rfc3339(nanos: step.startNanos)),
            "end": .string(Timestamp.rfc3339(nanos: step.endNanos)), "kind": .string(step.kind.rawValue),
            "operation": .string(step.operation),
        ]
        if !step.parents.isEmpty { fields["parents"] = .array(step.parents.map(JSONValue.string)) }
        if !step.inputs.isEmpty {
            fields["inputs"] = .array(step.inputs.map { input in
                var reference: [String: JSONValue] = ["step": .string(input.step)]
                if let argument = input.argument { reference["argument"] = .string(argument) }
                return .object(reference)
            })
        }
        if !step.resources.isEmpty {
            fields["resources"] = .array(step.resources.map {
                .object(["uri": .string($0.description), "access": .string($0.access.rawValue)])
            })
        }
        if !step.arguments.isEmpty { fields["arguments"] = .object(step.arguments) }
        if let result = step.result { fields["result"] = result }
        if let principal = step.principal {
            var members: [String: JSONValue] = [:]
            if let issuer = principal.issuer { members["iss"] = .string(issuer) }
            if let audience = principal.audience { members["aud"] = .string(audience) }
            if let subject = principal.subject { members["sub"] = .string(subject) }
            if !principal.claims.isEmpty { members["claims"] = .object(principal.claims.mapValues(JSONValue.string)) }
            fields["principal"] = .object(members)
        }
        if !step.executed { fields["executed"] = .bool(false) }
        if step.failed { fields["status"] = .string("error") }
        return .object(fields)
    }
}
