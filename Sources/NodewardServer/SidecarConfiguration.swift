/// When a decision's record must be in the store before the decision is answered.
public enum RecordMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Answered first, recorded in the background: a crash loses at most the queue's capacity of
    /// acknowledged records (reported at the next start). The default: a slow or failing store never
    /// slows or blocks the enforcement path.
    case async
    /// Answered only after the record is committed (group commit: one transaction for all waiting
    /// requests). No acknowledged decision is ever lost; a store that fails turns into 503s.
    case sync
}

/// How the shadow sidecar listens, what it accepts, and how much state and backlog it keeps.
public struct SidecarConfiguration: Sendable {
    /// Loopback by default: the sidecar sits next to the enforcement point, not on the network.
    public var host = "127.0.0.1"
    public var port = 8787
    /// Tenants whose enforced decision is the node decision (the legacy one becomes the shadow).
    public var cutOverTenants: Set<String> = []
    /// The bearer tokens every route except `/healthz` requires, and the tenants each may speak for.
    /// `nodeward shadow serve` refuses to start unauthenticated unless told `--insecure-no-auth`.
    public var access: SidecarAccess = .unauthenticated
    /// Whether the canary step of the shadow self-test is decided by its built-in rules
    /// (`--enable-selftest`). Off: the reserved canary names are refused like any other use of them.
    public var selftestEnabled = false
    /// Largest request body accepted (bytes); larger ones get 413.
    public var maxBodyBytes = 1 << 20
    /// Most steps in one `POST /v1/decisions/batch`; more get 413.
    public var maxBatchSteps = 1_000
    public var recordMode: RecordMode = .async
    /// Records waiting for the store. Async: when full, new records are dropped and counted. Sync:
    /// a request whose records do not fit is shed with 503.
    public var queueCapacity = 65_536
    /// Records written per store transaction.
    public var recordBatchSize = 4_096
    /// How often the recorder drains the queue in async mode (sync records are written at once).
    public var flushInterval: Duration = .milliseconds(250)
    /// Per-run state kept at most this many runs, each at most this long after its last step.
    public var maxRuns = 50_000
    public var runTTL: Duration = .seconds(3_600)
    /// Decision requests being handled at once (reading the body, deciding, waiting for the record);
    /// beyond it requests are shed with 503 and `Retry-After`.
    public var maxInFlight = 256
    /// Open connections; the listener stops accepting beyond it until one closes.
    public var maxConnections = 1_024
    /// A connection that sends nothing for this long, between requests or inside one, is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// A request body must arrive in full within this time (408 beyond): a client that trickles
    /// bytes cannot hold a slot.
    public var bodyTimeout: Duration = .seconds(10)
    /// The `Retry-After` seconds sent with 503.
    public var retryAfterSeconds = 1

    public init() {}
}

extension Duration {
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
