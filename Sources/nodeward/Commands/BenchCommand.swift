import ArgumentParser
import Foundation
import NodewardCore

/// Whole-process throughput of the pipeline stages on a workspace, measured in one run so the figures
/// compare (`ingest` reads the traces alone; the others read and process them). Release builds only
/// give meaningful numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure ingest, analyze and infer throughput on a workspace (use a release build).",
        discussion: "Generate input with `nodeward generate --out DIR --steps 1000000 --format otlp`.")

    @OptionGroup var inputs: WorkspaceOptions

    @Option(help: "Workloads, comma-separated: ingest, analyze, infer.")
    var workloads: String = "ingest,infer"

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    struct Measurement: Codable {
        var workload: String
        var seconds: Double
        var runs: Int
        var steps: Int
        var bytes: Int
        var stepsPerSecond: Int
        var megabytesPerSecond: Double
        var peakRSSMegabytes: Int
    }

    func run() throws {
        let workspace: Workspace
        do { workspace = try inputs.resolve() } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        var results: [Measurement] = []
        for workload in workloads.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let stages: Pipeline.Stages
            switch workload {
            case "ingest": stages = .init()
            case "analyze": stages = .init(analyze: AnalyzerOptions())
            case "infer": stages = .init(infer: InferenceOptions())
            default: throw ValidationError("unknown workload \(workload) (ingest, analyze, infer)")
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
            let table = TextTable(headers: ["workload", "seconds", "runs", "steps", "steps/s", "MiB/s", "peak RSS MiB"],
                                  rows: results.map { [$0.workload, String(format: "%.2f", $0.seconds), $0.runs.grouped, $0.steps.grouped,
                                                       $0.stepsPerSecond.grouped, String($0.megabytesPerSecond), String($0.peakRSSMegabytes)] })
            Terminal.out(table.plain())
        }
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
