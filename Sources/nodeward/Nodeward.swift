import ArgumentParser

@main
struct Nodeward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodeward",
        abstract: "Move AI-agent platforms from per-tenant isolation to task-graph isolation.",
        subcommands: [PlanCommand.self, AnalyzeCommand.self, InferCommand.self, GenerateCommand.self, BenchCommand.self, StoreCommand.self]
    )
}
