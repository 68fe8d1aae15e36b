// libFuzzer target: the whole pipeline on a workspace made of the input, in memory (issue 14). The input
// is a tenant sandbox (YAML) and Nodeward JSONL traces separated by a line `%%`; without one, every byte is
// traces and a fixed sandbox allowing every tool is used. Then analyze, infer, generate at each strictness,
// check, replay through both regimes, build the plan and render it, and export Cedar: any trap is a
// finding, and so is a plan that renders differently the second time.
import Foundation
import NodewardCore

let defaultSandbox = """
    apiVersion: agents.example.com/v1
    kind: TenantAgentSandbox
    metadata: {name: acme}
    spec:
      tenant: {id: acme}
      memory: {namespace: acme-memory}
      tools: {default: allow}
      network: {egress: {default: allow}}
      limits: {requestsPerMinute: 600}
    """

func plan(sandboxes: [TenantSandbox], runs: [Run], summary: TraceReadSummary, strictness: PolicyStrictness) -> String {
    var analyzer = Analyzer(sandboxes: sandboxes)
    var inferencer = Inferencer(sandboxes: sandboxes)
    for run in runs {
        analyzer.consume(run)
        inferencer.consume(run)
    }
    let analysis = analyzer.finish(traceSummary: summary, sandboxDiagnostics: [], workspace: "fuzz", tenantFiles: 1)
    let graphs = inferencer.finish()
    let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes, options: PolicyGeneratorOptions(strictness: strictness)).generate() }
    var files: [PolicyFile] = []
    for set in sets {
        let read = PolicyReader.readFile(yaml: set.yaml(), file: set.fileStem + ".yaml")
        precondition(!read.diagnostics.contains { $0.severity == .error }, "a generated policy file does not read back")
        if let file = read.file { files.append(file) }
    }
    let check = PolicyCheck(files: files, sandboxes: sandboxes, graphs: graphs).run()
    precondition(check.widenings.isEmpty, "a generated policy is wider than its tenant sandbox")
    var replay = ShadowReplay(sandboxes: sandboxes, policies: CompiledPolicySet(sets))
    var tally = ShadowTally()
    for run in runs { replay.consume(run) { tally.add($0, $1) } }
    replay.finish { tally.add($0, $1) }
    _ = CedarExport.export(sets)
    let report = PlanReport(PlanReportInputs(
        workspace: "fuzz", analysis: analysis, graphs: graphs, committedGraphs: nil,
        policies: sets.map { ($0, $0.fileStem + ".yaml", $0.yaml()) }, policyOrigin: "generated", policyFolder: "policies",
        strictness: strictness.rawValue, shadow: tally.summary(), check: check))
    return report.markdown() + report.plainText() + report.sarif() + report.html()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let separator = Array("\n%%\n".utf8)
    var sandboxText = defaultSandbox
    var traceBytes = bytes[...]
    if let cut = bytes.firstRange(of: separator) {
        sandboxText = String(decoding: bytes[..<cut.lowerBound], as: UTF8.self)
        traceBytes = bytes[cut.upperBound...]
    }
    let sandboxes = SandboxReader().parse(text: sandboxText, file: "tenant.yaml").sandboxes
    var options = TraceReaderOptions()
    options.maxLineBytes = 16_384
    var runs: [Run] = []
    let summary = TraceReader(options: options).read(data: Array(traceBytes), file: "fuzz.jsonl") { runs.append($0) }
    for strictness in PolicyStrictness.allCases {
        let first = plan(sandboxes: sandboxes, runs: runs, summary: summary, strictness: strictness)
        let second = plan(sandboxes: sandboxes, runs: runs, summary: summary, strictness: strictness)
        precondition(first == second, "the plan differs between two runs on the same input")
    }
    return 0
}
