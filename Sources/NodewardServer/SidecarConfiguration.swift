/// How the shadow sidecar listens, what it accepts, and how much state and backlog it keeps.
public struct SidecarConfiguration: Sendable {
    /// Loopback by default: the sidecar sits next to the enforcement point, not on the network.
    public var host = "127.0.0.1"
    public var port = 8787
    /// Tenants whose enforced decision is the node decision (the legacy one becomes the shadow).
    public var cutOverTenants: Set<String> = []
    /// Bearer token every route except `/healthz` requires, when set.
    public var token: String?
    /// Largest request body accepted (bytes); larger ones get 413.
    public var maxBodyBytes = 1 << 20
    /// Most steps in one `POST /v1/decisions/batch`; more get 413.
    public var maxBatchSteps = 1_000
    /// Records waiting for the store; when full, new records are dropped and counted.
    public var queueCapacity = 65_536
    /// Records written per store transaction.
    public var recordBatchSize = 4_096
    /// How often the recorder drains the queue.
    public var flushInterval: Duration = .milliseconds(250)
    /// Per-run state kept at most this many runs, each at most this long after its last step.
    public var maxRuns = 50_000
    public var runTTL: Duration = .seconds(3_600)

    public init() {}
}

extension Duration {
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
