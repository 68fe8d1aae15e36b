import ArgumentParser

@main
struct Nodeward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodeward",
        abstract: "Move AI-agent platforms from per-tenant isolation to task-graph isolation.",
        subcommands: [
            PlanCommand.self, ReportCommand.self, AnalyzeCommand.self, InferCommand.self, PolicyCommand.self, ShadowCommand.self, StoreCommand.self,
            GenerateCommand.self, BenchCommand.self,
        ]
    )
}
