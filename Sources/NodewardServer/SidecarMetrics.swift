import CoreMetrics
import NIOConcurrencyHelpers
import NodewardCore
import Prometheus

/// The sidecar's metrics, through swift-metrics on a Prometheus registry of its own (no global
/// `MetricsSystem.bootstrap`, so several sidecars can live in one process, as in tests). Labels are
/// names only: tenants and workflows the loaded bundle knows (anything else is `other`), and classes.
final class SidecarMetrics: Sendable {
    static let decisionsName = "nodeward_shadow_decisions_total"
    static let latencyName = "nodeward_shadow_request_duration_seconds"
    static let shedName = "nodeward_shadow_shed_requests_total"
    static let crashedName = "nodeward_shadow_crashed_sessions"
    static let lossBoundName = "nodeward_shadow_crashed_unrecorded_max"
    static let refusedName = "nodeward_shadow_refused_steps_total"
    static let replayedName = "nodeward_shadow_replayed_steps_total"

    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let queueDepth: CoreMetrics.Gauge
    private let runsTracked: CoreMetrics.Gauge
    private let inFlight: CoreMetrics.Gauge
    private let reported: NIOLockedValueBox<RecordQueue.Counts>
    /// The per-decision counters and per-route timers, made once per label set: making one through the
    /// factory on every decision cost a registry lock, a label lookup and an allocation each time. The
    /// label sets are few (classes × the bundle's tenants and workflows, plus `other`).
    private let decisionCounters = NIOLockedValueBox<[DecisionSeries: CoreMetrics.Counter]>([:])
    private let latencyTimers = NIOLockedValueBox<[String: CoreMetrics.Timer]>([:])

    private struct DecisionSeries: Hashable {
        var comparison: ComparisonClass
        var tenant: String
        var workflow: String
    }

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.latencyName] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
        ]
        self.factory = factory
        queueDepth = CoreMetrics.Gauge(label: "nodeward_shadow_queue_depth", factory: factory)
        runsTracked = CoreMetrics.Gauge(label: "nodeward_shadow_runs_tracked", factory: factory)
        inFlight = CoreMetrics.Gauge(label: "nodeward_shadow_in_flight_requests", factory: factory)
        reported = NIOLockedValueBox(RecordQueue.Counts())
        // Series that should exist from the start, so a dashboard sees zeros rather than gaps.
        for name in ["nodeward_shadow_records_dropped_total", "nodeward_shadow_records_written_total",
                     "nodeward_shadow_record_failures_total", "nodeward_shadow_records_shed_total"] {
            CoreMetrics.Counter(label: name, factory: factory).increment(by: 0)
        }
        for reason in ["expired", "capacity", "reload"] { evicted(reason: reason, count: 0) }
        for reason in ["in-flight", "queue", "record-failed", "stopping"] {
            CoreMetrics.Counter(label: Self.shedName, dimensions: [("reason", reason)], factory: factory).increment(by: 0)
        }
        CoreMetrics.Gauge(label: Self.crashedName, factory: factory).record(0)
        for rule in [Refusal.tenantNotAuthorized, .reservedName, .stepConflict].map(\.rule) { refused(rule: rule, count: 0) }
        replayed(0)
    }

    /// Steps the sidecar refused to decide (`Refusal`), by rule.
    func refused(rule: String, count: Int) {
        CoreMetrics.Counter(label: Self.refusedName, dimensions: [("rule", rule)], factory: factory).increment(by: count)
    }

    /// Retried steps answered as the first time.
    func replayed(_ count: Int) {
        CoreMetrics.Counter(label: Self.replayedName, factory: factory).increment(by: count)
    }

    func decision(_ comparison: ComparisonClass, tenant: String, workflow: String) {
        let series = DecisionSeries(comparison: comparison, tenant: tenant, workflow: workflow)
        let counter = decisionCounters.withLockedValue { counters in
            if let counter = counters[series] { return counter }
            let counter = CoreMetrics.Counter(label: Self.decisionsName, dimensions: [
                ("class", comparison.rawValue), ("tenant", tenant), ("workflow", workflow),
            ], factory: factory)
            counters[series] = counter
            return counter
        }
        counter.increment()
    }

    func latency(route: String, nanoseconds: Int64) {
        let timer = latencyTimers.withLockedValue { timers in
            if let timer = timers[route] { return timer }
            let timer = CoreMetrics.Timer(label: Self.latencyName, dimensions: [("route", route)], factory: factory)
            timers[route] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    func evicted(reason: String, count: Int) {
        CoreMetrics.Counter(label: "nodeward_shadow_run_evictions_total", dimensions: [("reason", reason)], factory: factory).increment(by: count)
    }

    func evicted(_ evictions: RunEvictions) {
        if evictions.expired > 0 { evicted(reason: "expired", count: evictions.expired) }
        if evictions.overCapacity > 0 { evicted(reason: "capacity", count: evictions.overCapacity) }
        if evictions.reload > 0 { evicted(reason: "reload", count: evictions.reload) }
    }

    func rejected(status: Int) {
        CoreMetrics.Counter(label: "nodeward_shadow_rejected_requests_total", dimensions: [("status", String(status))], factory: factory).increment()
    }

    /// A request answered 503 with `Retry-After`.
    func shed(reason: String) {
        CoreMetrics.Counter(label: Self.shedName, dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// Serve sessions found crashed at start, and the most acknowledged decisions they may have lost
    /// (-1: unbounded, the session did not say how it recorded).
    func crashed(_ sessions: [CrashedSession]) {
        CoreMetrics.Gauge(label: Self.crashedName, factory: factory).record(sessions.count)
        let bounds = sessions.map { $0.maxUnrecorded ?? -1 }
        CoreMetrics.Gauge(label: Self.lossBoundName, factory: factory).record(bounds.contains(-1) ? -1 : bounds.reduce(0, +))
    }

    func reload(succeeded: Bool) {
        CoreMetrics.Counter(label: "nodeward_shadow_reloads_total", dimensions: [("result", succeeded ? "ok" : "failed")], factory: factory).increment()
    }

    func canary(tenant: String) {
        CoreMetrics.Counter(label: "nodeward_shadow_canary_total", dimensions: [("tenant", tenant)], factory: factory).increment()
    }

    func nodeFailure(tenant: String, workflow: String) {
        CoreMetrics.Counter(label: "nodeward_shadow_node_failures_total", dimensions: [("tenant", tenant), ("workflow", workflow)],
                factory: factory).increment()
    }

    /// Prometheus text; queue totals are brought up to date first (counters advance by the delta).
    func render(queue: RecordQueue.Counts, runs: Int, inFlight: Int) -> String {
        queueDepth.record(queue.depth)
        runsTracked.record(runs)
        self.inFlight.record(inFlight)
        let previous = reported.withLockedValue { reported in
            defer { reported = queue }
            return reported
        }
        let deltas = [("nodeward_shadow_records_dropped_total", queue.dropped - previous.dropped),
                      ("nodeward_shadow_records_written_total", queue.recorded - previous.recorded),
                      ("nodeward_shadow_record_failures_total", queue.failed - previous.failed),
                      ("nodeward_shadow_records_shed_total", queue.shed - previous.shed)]
        for (name, delta) in deltas where delta > 0 { CoreMetrics.Counter(label: name, factory: factory).increment(by: delta) }
        return registry.emitToString()
    }
}
