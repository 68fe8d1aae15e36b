import ArgumentParser
import Foundation
import NodewardCore

/// `nodeward bench`: named workloads, as `opa bench` and `pgbench` are for their fields. Without a
/// workspace the input is generated (`--steps`, kept in `--data`); with one, the workloads read it.
/// Each workload runs `--repeat` times in this process; the row reports the median run. Use a release
/// build: debug figures mean nothing.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest, infer, analyze, decision, replay and serve throughput (use a release build).",
        discussion: """
            Workloads: ingest-otlp and ingest-jsonl (read and assemble runs from generated data in that format), \
            ingest-adapters (one row per trace adapter: its fixture from --fixtures copied to --steps steps, default \
            100,000, then read and assembled), ingest (read the workspace's traces), infer, analyze (read and process), decide-legacy and decide-node \
            (runs held in memory, then each step decided alone: median, p99 and mean ns), replay (shadow replay with \
            store writes into a temporary store), serve (the shadow sidecar on loopback, driven by an in-process client).
            Without a workspace, input is generated: --steps steps (default 1,000,000) from the sample generator, \
            6 tenants, JSONL unless the workload names OTLP; --data DIR keeps it for the next run.
            """)

    @Argument(help: "Workspace folder to read. Omit it to benchmark on generated data.")
    var workspace: String?

    @Option(name: .long, help: ArgumentHelp("Tenant sandbox YAML files or folders (repeatable).", valueName: "path"))
    var tenants: [String] = []

    @Option(name: .long, help: ArgumentHelp("Trace files or folders (repeatable).", valueName: "path"))
    var traces: [String] = []

    @Option(name: .customLong("trace-format"),
            help: ArgumentHelp("Read the workspace's trace files as this format instead of detecting it per file.",
                               valueName: "format"))
    var traceFormat: TraceFormatChoice?

    @Option(help: "Workloads, comma-separated: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")). Default: ingest,infer on a workspace; ingest-jsonl,infer on generated data.")
    var workloads: String?

    @Option(help: "Generated data: this many steps. With a workspace: decide-legacy and decide-node decide at most about this many steps (whole runs).")
    var steps: Int?

    @Option(help: "Keep generated data in this folder and reuse it on the next run.")
    var data: String?

    @Option(help: "Seed of the generated data.")
    var seed: UInt64 = 42

    @Option(help: "Run each workload this many times; the median run is reported.")
    var `repeat`: Int = 1

    @Option(help: ArgumentHelp("ingest-adapters: the folder of the adapter fixtures.", valueName: "dir"))
    var fixtures = "Tests/NodewardCoreTests/Fixtures"

    @Option(help: "serve: seconds of load per row.")
    var seconds: Double = 5

    @Option(help: "serve: concurrent keep-alive client connections.")
    var connections: Int = 8

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    enum Workload: String, CaseIterable {
        case ingestOTLP = "ingest-otlp"
        case ingestJSONL = "ingest-jsonl"
        case ingestAdapters = "ingest-adapters"
        case ingest, infer, analyze
        case decideLegacy = "decide-legacy"
        case decideNode = "decide-node"
        case replay, serve
    }

    struct Measurement: Codable {
        var workload: String
        var seconds: Double
        var runs: Int
        var steps: Int
        var bytes: Int
        var stepsPerSecond: Int
        var megabytesPerSecond: Double
        var peakRSSMegabytes: Int
        /// Every repetition's seconds, in run order (the row reports the median).
        var repetitions: [Double]?
        /// decide-legacy, decide-node and serve only.
        var latency: BenchDecisions.Latency?
        /// serve only: what the phase sent (e.g. "single, store").
        var detail: String?
    }

    func validate() throws {
        if workspace == nil && !(tenants.isEmpty == traces.isEmpty) {
            throw ValidationError("give both --tenants and --traces, or a workspace, or neither (generated data)")
        }
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
    }

    func run() throws {
        #if DEBUG
        Terminal.err("warning: this nodeward is a debug build (no optimisation), so its figures are not representative; build it with `swift build -c release --product nodeward` and run .build/release/nodeward bench [bench.debug-build]")
        #endif
        var requested: [Workload] = []
        // On a workspace the default reads its traces; generating a million steps is for no workspace.
        let named = workloads ?? (workspace == nil && traces.isEmpty ? "ingest-jsonl,infer" : "ingest,infer")
        for name in named.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let workload = Workload(rawValue: name) else {
                throw ValidationError("unknown workload \(name) (\(Workload.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            requested.append(workload)
        }
        let given: Workspace?
        do {
            given = workspace == nil && traces.isEmpty ? nil
                : try WorkspaceOptions.resolve(workspace: workspace, tenants: tenants, traces: traces, labels: nil, out: nil, traceFormat: traceFormat)
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        var data = BenchData(folder: data)
        defer { data.removeIfTemporary() }
        var results: [Measurement] = []
        var loaded: [String: (runs: [Run], sandboxes: [TenantSandbox])] = [:]
        for workload in requested {
            let input: Workspace
            do {
                if workload == .ingestAdapters {
                    results += try ingestAdapters(folder: data.root)
                    continue
                } else if let given, workload != .ingestOTLP, workload != .ingestJSONL {
                    input = given
                } else {
                    input = try data.workspace(steps: steps ?? 1_000_000, format: workload == .ingestOTLP ? .otlp : .jsonl, seed: seed)
                }
            } catch {
                Terminal.err((CLIErrors.diagnostic(for: error, writing: true)
                    ?? .error(.outputUnwritable, "cannot generate the bench data; check that --data names a writable folder")).description)
                throw NodewardExit.badInput
            }
            switch workload {
            case .decideLegacy, .decideNode:
                let key = input.traces.joined(separator: "\u{1}")
                let held = loaded[key] ?? BenchDecisions.load(input, limit: given == nil ? nil : steps)
                loaded[key] = held
                results.append(repeated(workload.rawValue) {
                    let latency = workload == .decideLegacy ? BenchDecisions.legacy(runs: held.runs, sandboxes: held.sandboxes)
                        : BenchDecisions.node(runs: held.runs, sandboxes: held.sandboxes)
                    Terminal.err("\(workload.rawValue): median \(Int(latency.medianNanos)) ns, p99 \(Int(latency.p99Nanos)) ns")
                    return Measurement(workload: workload.rawValue, seconds: latency.meanNanos * Double(latency.decisions) / 1e9,
                                       runs: held.runs.count, steps: latency.decisions, bytes: 0,
                                       stepsPerSecond: latency.decisionsPerSecond, megabytesPerSecond: 0,
                                       peakRSSMegabytes: Self.peakRSSMegabytes(), latency: latency)
                })
            case .replay:
                var failure: (any Error)?
                results.append(repeated("replay") {
                    do { return try replay(input) } catch {
                        failure = error
                        return Measurement(workload: "replay", seconds: 0, runs: 0, steps: 0, bytes: 0, stepsPerSecond: 0,
                                           megabytesPerSecond: 0, peakRSSMegabytes: 0)
                    }
                })
                if let failure { throw failure }
            case .serve:
                results += try BenchServe.run(input, options: .init(seconds: seconds, connections: connections))
            case .ingestAdapters:
                continue
            case .ingest, .ingestOTLP, .ingestJSONL, .infer, .analyze:
                let stages: Pipeline.Stages = workload == .infer ? .init(infer: InferenceOptions())
                    : workload == .analyze ? .init(analyze: AnalyzerOptions()) : .init()
                results.append(repeated(workload.rawValue) {
                    let started = ContinuousClock.now
                    let outcome = Pipeline.run(workspace: input, stages: stages)
                    let seconds = Self.seconds(since: started)
                    Terminal.err("\(workload.rawValue): \(String(format: "%.2f", seconds)) s")
                    return Self.throughput(workload.rawValue, seconds: seconds, summary: outcome.traceSummary)
                })
            }
        }
        if format == .json {
            Terminal.out(StableJSON.encode(results))
        } else {
            Terminal.out(Self.table(results))
        }
    }

    /// One row per trace adapter, each on its fixture copied to the same number of steps.
    func ingestAdapters(folder: String) throws -> [Measurement] {
        let inputs = try BenchAdapters.inputs(fixtures: fixtures, steps: steps ?? 100_000, folder: folder)
        return inputs.map { input in
            let name = "ingest-" + input.adapter.name
            return repeated(name) {
                let started = ContinuousClock.now
                let summary = TraceReader(options: input.options).read(paths: [input.file]) { _ in }
                let seconds = Self.seconds(since: started)
                Terminal.err("\(name): \(String(format: "%.2f", seconds)) s")
                return Self.throughput(name, seconds: seconds, summary: summary)
            }
        }
    }

    /// Runs `body` `repeat` times and returns the median run, with every run's seconds attached.
    func repeated(_ name: String, _ body: () -> Measurement) -> Measurement {
        var runs: [Measurement] = []
        for _ in 0..<`repeat` { runs.append(body()) }
        var median = runs.sorted { $0.seconds < $1.seconds }[(runs.count - 1) / 2]
        median.seconds = (median.seconds * 1000).rounded() / 1000
        if runs.count > 1 { median.repetitions = runs.map { ($0.seconds * 1000).rounded() / 1000 } }
        median.peakRSSMegabytes = Self.peakRSSMegabytes()
        return median
    }

    static func throughput(_ workload: String, seconds: Double, summary: TraceReadSummary, steps: Int? = nil) -> Measurement {
        let counted = steps ?? summary.steps
        return Measurement(
            workload: workload, seconds: seconds, runs: summary.runs, steps: counted, bytes: summary.bytes,
            stepsPerSecond: Int(Double(counted) / max(seconds, 1e-9)),
            megabytesPerSecond: (Double(summary.bytes) / 1_048_576 / max(seconds, 1e-9) * 10).rounded() / 10,
            peakRSSMegabytes: peakRSSMegabytes())
    }

    static func seconds(since started: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func table(_ results: [Measurement]) -> String {
        TextTable(headers: ["workload", "seconds", "runs", "steps", "steps/s", "MiB/s", "median ns", "p99 ns", "peak RSS MiB"],
                  rows: results.map { result in
                      [result.detail.map { "\(result.workload) (\($0))" } ?? result.workload, String(format: "%.3f", result.seconds),
                       result.runs.grouped, result.steps.grouped, result.stepsPerSecond.grouped,
                       result.bytes == 0 ? "-" : String(result.megabytesPerSecond),
                       result.latency.map { String(format: "%.0f", $0.medianNanos) } ?? "-",
                       result.latency.map { String(format: "%.0f", $0.p99Nanos) } ?? "-", String(result.peakRSSMegabytes)]
                  }).plain()
    }

    /// Shadow replay with store writes, policies generated first (not timed), into a fresh temporary store.
    func replay(_ workspace: Workspace) throws -> Measurement {
        let inferred = Pipeline.run(workspace: workspace, stages: .init(infer: InferenceOptions()))
        let sets = (inferred.graphs ?? []).map { PolicyGenerator(graph: $0, sandboxes: inferred.sandboxes).generate() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let started = ContinuousClock.now
        let outcome = try ShadowRunner.replay(workspace: workspace, sandboxes: inferred.sandboxes, policies: sets,
                                              storePath: folder.appendingPathComponent("bench.sqlite").path, incidents: [])
        let seconds = Self.seconds(since: started)
        Terminal.err("replay: \(String(format: "%.2f", seconds)) s, \(outcome.recorded.decisions.grouped) decisions recorded")
        return Self.throughput("replay", seconds: seconds, summary: outcome.traceSummary, steps: outcome.summary.steps)
    }

    #if os(Linux)
    static let RUSAGE_SELF_WHO = RUSAGE_SELF.rawValue
    #else
    static let RUSAGE_SELF_WHO = RUSAGE_SELF
    #endif

    /// The process's peak resident set so far (Linux reports kilobytes).
    static func peakRSSMegabytes() -> Int {
        var usage = rusage()
        getrusage(Self.RUSAGE_SELF_WHO, &usage)
        return Int(usage.ru_maxrss) / 1024
    }
}
