import NodewardCore

/// The `serve` workload of `nodeward bench` (placeholder until the sidecar benchmark lands).
enum BenchServe {
    static func run(workspace: Workspace, seconds: Double) throws -> [BenchCommand.Measurement] {
        throw ValidationErrorText("the serve workload is not built yet")
    }
}
