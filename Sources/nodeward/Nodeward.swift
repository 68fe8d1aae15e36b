import ArgumentParser
import Foundation
import NodewardCore

@main
struct Nodeward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodeward",
        abstract: "Move AI-agent platforms from per-tenant isolation to task-graph isolation.",
        version: NodewardVersion.current,
        subcommands: [
            PlanCommand.self, ReportCommand.self, AnalyzeCommand.self, InferCommand.self, PolicyCommand.self, ShadowCommand.self, StoreCommand.self,
            GenerateCommand.self, BenchCommand.self, SandboxCommand.self,
        ]
    )

    /// ArgumentParser's `main`, with one error mapping for every command (CLIErrors): an unknown
    /// subcommand gets a suggestion, and no Foundation or GRDB error text reaches the user unmapped.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = CLIErrors.unknownCommand(in: arguments, root: Nodeward.self) {
            Terminal.err(unknown.description)
            Foundation.exit(NodewardExit.usage.rawValue)
        }
        do {
            // As ArgumentParser's own main: parse asynchronously, so commands run where they always have.
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            CLIErrors.exit(with: error)
        }
    }
}
