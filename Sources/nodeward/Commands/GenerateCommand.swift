import ArgumentParser
import Foundation
import NodewardCore
import NodewardSamples

/// `nodeward generate`: writes the deterministic sample fleet (a complete workspace).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic sample fleet: tenant sandboxes, agent traces, and incident labels."
    )

    @Option(name: .long, help: "The workspace folder to write.")
    var out: String

    @Option(name: .long, help: "Number of runs (ignored with --steps).")
    var runs: Int = 2000

    @Option(name: .long, help: "Number of tenants; more than 5 are synthesized from templates.")
    var tenants: Int = 5

    @Option(name: .long, help: "Seed for the generator; the same seed writes byte-identical files.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Trace format: otlp, jsonl, or mixed.")
    var format: FleetTraceFormat = .mixed

    @Option(name: .long, help: "Generate runs until exactly this many steps are written (benchmarks).")
    var steps: Int?

    @Option(name: .long, help: "Configure tenant i in dialect i mod N, a comma-separated list of tenant-agent-sandbox, claude-code, mcp-client, agentgateway, litellm.")
    var dialects: String?

    @Flag(name: .long, help: "Write into a non-empty folder, replacing generated files.")
    var force = false

    func run() throws {
        let dialectList = dialects.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        let options = FleetOptions(runs: runs, tenants: tenants, seed: seed, format: format, stepLimit: steps, dialects: dialectList)
        let summary: FleetSummary
        do {
            summary = try NodewardSamples.generate(options, into: URL(fileURLWithPath: out), force: force)
        } catch {
            switch error {
            case .io: Terminal.err(Diagnostic.error(.outputUnwritable, error.description + "; check that the folder can be created and written, or choose another --out").description)
            case .outputNotEmpty, .invalidOption: Terminal.err(Diagnostic.error(.usage, error.description).description)
            }
            switch error {
            case .outputNotEmpty, .invalidOption: throw ExitCode(64)
            case .io: throw ExitCode(74)
            }
        }
        let root = URL(fileURLWithPath: out)
        for file in summary.files { print(root.appendingPathComponent(file).relativePath) }
        var line = "generated \(summary.runs) runs, \(summary.steps) steps, \(summary.bytes) bytes, \(summary.incidents) incidents"
        if summary.unexpectedLegacy > 0 {
            line += "; \(summary.unexpectedLegacy) incidents recorded a legacy decision other than expected (see labels/incidents.yaml recordedLegacy)"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension FleetTraceFormat: ExpressibleByArgument {}
