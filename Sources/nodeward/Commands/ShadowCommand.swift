import ArgumentParser

/// `nodeward shadow replay`: old and new enforcement side by side (docs/shadow.md).
struct ShadowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shadow",
        abstract: "Shadow mode: decide every step under the tenant sandbox and the node policies, and compare.",
        subcommands: [ShadowReplayCommand.self, ShadowServeCommand.self, ShadowSelftestCommand.self])
}
