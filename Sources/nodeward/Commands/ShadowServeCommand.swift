import ArgumentParser
import Foundation
import Logging
import NodewardCore
import NodewardServer

extension RecordMode: ExpressibleByArgument {}

/// `nodeward shadow serve`: the online shadow sidecar (docs/shadow.md, "Online: the sidecar").
struct ShadowServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve shadow decisions over HTTP: the legacy decision enforced, the node decision compared and recorded.",
        discussion: """
            Reads the tenant sandboxes and the committed node policies (--policies DIR, else the workspace's \
            policies/) on start, on POST /v1/reload and on SIGHUP. SIGTERM/SIGINT stop it after recording \
            what is queued. Exit codes: 0 stopped, 2 bad input, 64 usage.
            """)

    @Argument(help: "Workspace folder containing nodeward.yaml (optional with --tenants and --policies).")
    var workspace: String?

    @Option(help: ArgumentHelp("Tenant sandbox YAML files or folders (repeatable).", valueName: "path"))
    var tenants: [String] = []

    @Option(help: ArgumentHelp("Committed node policies folder (default: the workspace's policies/).", valueName: "dir"))
    var policies: String?

    @Option(help: "Address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port, printed on start).")
    var port = 8787

    @Option(help: ArgumentHelp("Tenants whose node decision is enforced, comma-separated.", valueName: "tenant,..."))
    var cutover: String?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the bearer token requests must present.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("The store file (default: <workspace>/.nodeward/nodeward.sqlite).", valueName: "path"))
    var store: String?

    @Flag(name: .customLong("no-store"), help: "Decide only; record nothing.")
    var noStore = false

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (413 beyond).")
    var maxBodyBytes = 1 << 20

    @Option(name: .customLong("max-batch"), help: "Most steps in one batch request (413 beyond).")
    var maxBatch = 1_000

    @Option(help: ArgumentHelp("async (default: answered at once, recorded in the background; a crash loses at most --queue-capacity acknowledged records, reported at the next start) or sync (answered only after the record is committed; group commit).", valueName: "async|sync"))
    var record: RecordMode = .async

    @Option(name: .customLong("queue-capacity"), help: "Decisions waiting for the store; beyond it async records are dropped and counted, sync requests get 503.")
    var queueCapacity = 65_536

    @Option(name: .customLong("max-in-flight"), help: "Decision requests handled at once; beyond it 503 with Retry-After.")
    var maxInFlight = 256

    @Option(name: .customLong("max-connections"), help: "Open connections; beyond it new ones wait in the listen backlog.")
    var maxConnections = 1_024

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send nothing (between or inside requests) before it is closed.")
    var idleTimeout = 30

    @Option(name: .customLong("body-timeout"), help: "Seconds a request body may take to arrive in full (408 beyond).")
    var bodyTimeout = 10

    @Option(name: .customLong("max-runs"), help: "Runs whose per-run state is kept (least recently used evicted first).")
    var maxRuns = 50_000

    @Option(name: .customLong("run-ttl"), help: "Seconds a run's state is kept after its last step.")
    var runTTL = 3_600

    func validate() throws {
        if workspace == nil && (tenants.isEmpty || policies == nil) {
            throw ValidationError("give a workspace folder, or both --tenants and --policies")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBodyBytes > 0, maxBatch > 0, queueCapacity >= 0, maxRuns > 0, runTTL > 0, maxInFlight > 0, maxConnections > 0,
              idleTimeout > 0, bodyTimeout > 0 else {
            throw ValidationError("limits must be positive")
        }
        if record == .sync && noStore { throw ValidationError("--record sync needs a store; drop --no-store") }
        if record == .sync && queueCapacity < maxBatch {
            throw ValidationError("--record sync needs --queue-capacity at least --max-batch, or every full batch is shed")
        }
    }

    func run() async throws {
        let resolved = try resolveWorkspace()
        let source = PolicySource(tenants: tenants.isEmpty ? resolved.tenants : tenants,
                                  policies: policies ?? resolved.policies ?? "policies")
        let bundle: PolicyBundle
        switch source.load() {
        case .success(let loaded): bundle = loaded
        case .failure(let failure):
            for reason in failure.reasons { Terminal.err(reason) }
            throw NodewardExit.badInput
        }
        var configuration = SidecarConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.cutOverTenants = Set((cutover ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        configuration.token = try tokenFile.map(ShadowSelftestCommand.readToken)
        configuration.maxBodyBytes = maxBodyBytes
        configuration.maxBatchSteps = maxBatch
        configuration.queueCapacity = queueCapacity
        configuration.maxRuns = maxRuns
        configuration.runTTL = .seconds(runTTL)
        configuration.recordMode = record
        configuration.maxInFlight = maxInFlight
        configuration.maxConnections = maxConnections
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.bodyTimeout = .seconds(bodyTimeout)
        let unknown = configuration.cutOverTenants.subtracting(bundle.tenants).sorted()
        if !unknown.isEmpty { Terminal.err("warning: --cutover names tenants with no sandbox: \(unknown.joined(separator: ", "))") }

        var logger = Logger(label: "nodeward.shadow")
        logger.logLevel = .info
        let sidecar = ShadowSidecar(configuration: configuration, bundle: bundle, loader: { source.load() }, logger: logger)
        let sink: StoreSink?
        if noStore {
            sink = nil
        } else {
            let path = ShadowRunner.storePath(explicit: store, workspace: resolved)
            do throws(Diagnostic) {
                sink = try StoreSink(path: path, inputs: source.description, mode: record, queueCapacity: queueCapacity)
            } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
            let crashed = sink?.recovered ?? []
            for session in crashed { Terminal.err("warning: \(session.logLine)") }
            sidecar.noteCrashedSessions(crashed)
            Terminal.err("recording decisions in \(path) (record \(record.rawValue))")
        }
        Terminal.err("shadow sidecar: \(bundle.sets.count) workflows, \(bundle.sandboxes.count) tenants, cut over: \(configuration.cutOverTenants.sorted().joined(separator: ", ").ifEmpty("none"))")
        let host = self.host
        try await ShadowServer.run(sidecar, sink: sink) { port in
            Terminal.err("listening on http://\(host):\(port)")
        }
    }

    func resolveWorkspace() throws -> Workspace {
        guard let workspace else { return Workspace() }
        do throws(Diagnostic) {
            return try Workspace.load(folder: workspace)
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
