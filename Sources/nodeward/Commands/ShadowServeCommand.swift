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
            what is queued. Requests need a bearer token from --token-file (one token, or per-tenant grants: \
            docs/shadow.md) unless --insecure-no-auth is given. Exit codes: 0 stopped, 2 bad input (including \
            a missing policies folder or an unusable token file), 64 usage.
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

    @Option(name: .customLong("token-file"), help: ArgumentHelp("Bearer tokens requests must present: the first line's token for every tenant, or lines 'TOKEN tenant1,tenant2' / 'TOKEN *'.", valueName: "file"))
    var tokenFile: String?

    @Flag(name: .customLong("insecure-no-auth"), help: "Serve without any token (any local process may ask and reload); warns on every start.")
    var insecureNoAuth = false

    @Flag(name: .customLong("allow-outside-workspace"),
          help: "Let nodeward.yaml name inputs and outputs outside the workspace folder (.., absolute paths, symbolic links).")
    var allowOutsideWorkspace = false

    @Flag(name: .customLong("enable-selftest"), help: "Decide the canary step of `nodeward shadow selftest` by its built-in rules (off: refused).")
    var enableSelftest = false

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
        if tokenFile == nil && !insecureNoAuth {
            throw ValidationError("give --token-file FILE (a bearer token every request must present), or --insecure-no-auth to serve without one")
        }
        if tokenFile != nil && insecureNoAuth { throw ValidationError("--token-file and --insecure-no-auth exclude each other") }
        if record == .sync && noStore { throw ValidationError("--record sync needs a store; drop --no-store") }
        if record == .sync && queueCapacity < maxBatch {
            throw ValidationError("--record sync needs --queue-capacity at least --max-batch, or every full batch is shed")
        }
    }

    func run() async throws {
        let resolved = try resolveWorkspace()
        let source = PolicySource(tenants: tenants.isEmpty ? resolved.tenants : tenants,
                                  policies: policies ?? resolved.policies ?? "policies")
        // Read the tokens first: a bad token file is refused before anything is loaded or opened.
        let access: SidecarAccess = try tokenFile.map { .tokens(try Self.readTokenFile($0)) } ?? .unauthenticated
        try requirePolicies(in: source.policies)
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
        configuration.access = access
        configuration.selftestEnabled = enableSelftest
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
        if case .unauthenticated = access {
            Terminal.err("warning: --insecure-no-auth: no token is required; any local process (and any program that can reach "
                         + "\(self.host):\(self.port)) may ask decisions for every tenant and reload the policies")
        }
        Terminal.err("shadow sidecar: \(bundle.sets.count) workflows, \(bundle.sandboxes.count) tenants, cut over: \(configuration.cutOverTenants.sorted().joined(separator: ", ").ifEmpty("none"))")
        let host = self.host
        try await ShadowServer.run(sidecar, sink: sink) { port in
            Terminal.err("listening on http://\(host):\(port)")
        }
    }

    /// The sidecar decides with committed policies only; without them every step would be an
    /// unknown-step node failure, so it refuses to start and says how to write them.
    func requirePolicies(in folder: String) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard !names.contains(where: PolicyFolder.isPolicyFileName) else { return }
        let generate = "nodeward policy generate \(workspace ?? "WORKSPACE") --policies \(folder)"
        Terminal.err(Diagnostic(.error, "serve.no-policies",
                                "no node policies here (the folder is missing or holds no .yaml policy files); run `\(generate)` first",
                                at: SourceLocation(file: folder, line: 1)).description)
        throw NodewardExit.badInput
    }

    /// The grants of a `--token-file` (`TokenFile`); an unreadable or malformed file stops the start
    /// with a diagnostic naming the file (exit 2), instead of a server that answers 401 to everyone.
    static func readTokenFile(_ path: String) throws -> [TokenGrant] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            Terminal.err(Diagnostic(.error, "token.unreadable", "cannot read the token file", at: SourceLocation(file: path, line: 1)).description)
            throw NodewardExit.badInput
        }
        switch TokenFile.parse(text, path: path) {
        case .success(let grants): return grants
        case .failure(let diagnostic):
            Terminal.err(diagnostic.description)
            throw NodewardExit.badInput
        }
    }

    func resolveWorkspace() throws -> Workspace {
        guard let workspace else { return Workspace() }
        do throws(Diagnostic) {
            return try WorkspaceOptions.load(folder: workspace, allowOutside: allowOutsideWorkspace,
                                             overriding: WorkspaceOptions.overridden(store: store, noStore: noStore, policies: policies))
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
