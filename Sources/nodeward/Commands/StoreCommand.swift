import ArgumentParser
import Foundation
import NodewardCore
import NodewardStore

/// `nodeward store stats|query`: look inside the shadow-mode store (docs/store.md).
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Inspect the shadow-mode store: statistics, and read-only SQL for your own cuts.",
        subcommands: [StoreStatsCommand.self, StoreQueryCommand.self])
}

/// Where the store is: `--store PATH`, else the workspace's `outputs.store`, else
/// `<workspace>/.nodeward/nodeward.sqlite` (the workspace defaults to the current folder).
struct StoreLocation: ParsableArguments {
    @Argument(help: "Workspace folder (default: the current folder).")
    var workspace: String?

    @Option(name: .long, help: ArgumentHelp("The store file, instead of the workspace's.", valueName: "path"))
    var store: String?

    @Flag(name: .customLong("allow-outside-workspace"), help: "Let nodeward.yaml name a store outside the workspace folder.")
    var allowOutsideWorkspace = false

    func resolve() throws(Diagnostic) -> String {
        if let store { return store }
        let folder = workspace ?? "."
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .error(.workspaceMissing, "workspace folder \(folder) does not exist")
        }
        let defaultPath = (folder as NSString).appendingPathComponent(NodewardDatabase.defaultRelativePath)
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(Workspace.fileName)) else {
            return defaultPath
        }
        let workspace = try WorkspaceOptions.load(folder: folder, allowOutside: allowOutsideWorkspace)
        for warning in workspace.warnings { Terminal.err(warning.description) }
        return workspace.store ?? defaultPath
    }

    /// Opens the existing store (never creates one: these commands only read).
    func open() throws -> NodewardDatabase {
        do {
            return try NodewardDatabase(path: resolve(), create: false)
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
    }
}

struct StoreStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Schema version, file size, rows per table, decisions by class, recent sessions.",
        discussion: "Exit codes: 0 ok, 2 no store or an unreadable store, 64 usage.")

    @OptionGroup var location: StoreLocation

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    func run() throws {
        let store = try location.open()
        do {
            Terminal.out(try store.stats().rendered(as: format))
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
    }
}

struct StoreQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run one read-only SQL statement against the store.",
        discussion: """
            The statement runs on a read-only connection; statements that could write (INSERT, DELETE, \
            PRAGMA assignments, ATTACH, …) are refused. Example:
              nodeward store query "SELECT s.tenant, d.class, count(*) FROM decisions d JOIN steps s ON s.id = d.step GROUP BY 1, 2"
            Exit codes: 0 ok, 2 no store, a refused or failing statement, 64 usage.
            """)

    @Argument(help: "The SQL statement (quote it).")
    var sql: String

    @OptionGroup var location: StoreLocation

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(help: "Return at most this many rows.")
    var limit: Int = NodewardDatabase.defaultQueryRowLimit

    @Option(help: "Interrupt the statement after this many seconds.")
    var timeout: Double = NodewardDatabase.defaultQueryTimeoutSeconds

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let store = try location.open()
        let result: QueryResult
        do {
            result = try store.query(sql, limit: limit, timeoutSeconds: timeout)
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        Terminal.out(result.rendered(as: format))
        if result.truncated && format == .json {
            Terminal.err("warning: showing the first \(result.limit.grouped) rows; pass --limit to see more")
        }
    }
}
