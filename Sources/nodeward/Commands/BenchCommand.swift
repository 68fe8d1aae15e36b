import ArgumentParser
import Foundation
import NodewardCore

/// Whole-process throughput of the pipeline stages on a workspace, measured in one run so the figures
/// compare (`ingest` reads the traces alone; the others read and process them). Release builds only
/// give meaningful numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest, analyze, infer, decision and replay throughput on a workspace (use a release build).",
        discussion: """
            Workloads: ingest (read and assemble runs), analyze, infer (read and process), decide-legacy and             decide-node (runs held in memory, then each step decided: median, p99 and mean ns per decision),             replay (shadow replay with store writes into a temporary store).             Generate input with `nodeward generate --out DIR --steps 1000000 --format otlp`.
            """)

    @OptionGroup var inputs: WorkspaceOptions

    @Option(help: "Workloads, comma-separated: ingest, analyze, infer, decide-legacy, decide-node, replay, serve.")
    var workloads: String = "ingest,infer"

    @Option(help: "decide-legacy and decide-node: decide at most about this many steps (whole runs).")
    var steps: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "serve: seconds of load per row.")
    var seconds: Double = 5

    @Option(help: "serve: concurrent keep-alive client connections.")
    var connections: Int = 8

    struct Measurement: Codable {
        var workload: String
        var seconds: Double
        var runs: Int
        var steps: Int
        var bytes: Int
        var stepsPerSecond: Int
        var megabytesPerSecond: Double
        var peakRSSMegabytes: Int
        /// decide-legacy and decide-node only.
        var latency: BenchDecisions.Latency?
    }

    func run() throws {
        let workspace: Workspace
        do { workspace = try inputs.resolve() } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        var results: [Measurement] = []
        var loaded: (runs: [Run], sandboxes: [TenantSandbox])?
        for workload in workloads.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let stages: Pipeline.Stages
            switch workload {
            case "ingest": stages = .init()
            case "analyze": stages = .init(analyze: AnalyzerOptions())
            case "infer": stages = .init(infer: InferenceOptions())
            case "decide-legacy", "decide-node":
                let input = loaded ?? BenchDecisions.load(workspace, limit: steps)
                loaded = input
                let latency = workload == "decide-legacy" ? BenchDecisions.legacy(runs: input.runs, sandboxes: input.sandboxes)
                    : BenchDecisions.node(runs: input.runs, sandboxes: input.sandboxes)
                let seconds = latency.meanNanos * Double(latency.decisions) / 1e9
                results.append(Measurement(workload: workload, seconds: (seconds * 1000).rounded() / 1000, runs: input.runs.count,
                                           steps: latency.decisions, bytes: 0, stepsPerSecond: latency.decisionsPerSecond,
                                           megabytesPerSecond: 0, peakRSSMegabytes: Self.peakRSSMegabytes(), latency: latency))
                Terminal.err("\(workload): median \(latency.medianNanos) ns, p99 \(latency.p99Nanos) ns")
                continue
            case "replay":
                results.append(try replay(workspace))
                continue
            case "serve":
                results += try BenchServe.run(workspace, options: .init(seconds: seconds, connections: connections))
                continue
            default: throw ValidationError("unknown workload \(workload) (ingest, analyze, infer, decide-legacy, decide-node, replay, serve)")
            }
            let started = ContinuousClock.now
            let outcome = Pipeline.run(workspace: workspace, stages: stages)
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let summary = outcome.traceSummary
            results.append(Measurement(
                workload: workload, seconds: (seconds * 1000).rounded() / 1000, runs: summary.runs, steps: summary.steps, bytes: summary.bytes,
                stepsPerSecond: Int(Double(summary.steps) / seconds),
                megabytesPerSecond: (Double(summary.bytes) / 1_048_576 / seconds * 10).rounded() / 10,
                peakRSSMegabytes: Self.peakRSSMegabytes()))
            Terminal.err("\(workload): \(String(format: "%.2f", seconds)) s")
        }
        if format == .json {
            Terminal.out(StableJSON.encode(results))
        } else {
            let table = TextTable(headers: ["workload", "seconds", "runs", "steps", "steps/s", "MiB/s", "median ns", "p99 ns", "peak RSS MiB"],
                                  rows: results.map { [$0.workload, String(format: "%.2f", $0.seconds), $0.runs.grouped, $0.steps.grouped,
                                                       $0.stepsPerSecond.grouped, $0.bytes == 0 ? "-" : String($0.megabytesPerSecond),
                                                       $0.latency.map { String(format: "%.0f", $0.medianNanos) } ?? "-",
                                                       $0.latency.map { String(format: "%.0f", $0.p99Nanos) } ?? "-", String($0.peakRSSMegabytes)] })
            Terminal.out(table.plain())
        }
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
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Terminal.err("replay: \(String(format: "%.2f", seconds)) s, \(outcome.recorded.decisions.grouped) decisions recorded")
        return Measurement(workload: "replay", seconds: (seconds * 1000).rounded() / 1000, runs: outcome.traceSummary.runs,
                           steps: outcome.summary.steps, bytes: outcome.traceSummary.bytes,
                           stepsPerSecond: Int(Double(outcome.summary.steps) / seconds),
                           megabytesPerSecond: (Double(outcome.traceSummary.bytes) / 1_048_576 / seconds * 10).rounded() / 10,
                           peakRSSMegabytes: Self.peakRSSMegabytes(), latency: nil)
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
