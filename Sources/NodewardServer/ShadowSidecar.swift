import Foundation
import Logging
import NIOConcurrencyHelpers
import NodewardCore
import NodewardStore

/// The shadow sidecar's state and logic, independent of HTTP: decide steps from memory under both
/// regimes, enqueue the pairs for the store, count everything, reload atomically.
///
/// Shadow mode never changes what the legacy regime enforces: for a tenant not cut over the answer
/// is the legacy decision whatever the node evaluator says (an unknown workflow or step is class
/// `unknown-step`, recorded and counted as a node failure).
public final class ShadowSidecar: Sendable {
    public typealias Loader = @Sendable () -> Result<PolicyBundle, PolicyLoadFailure>

    struct Stats {
        var byClass: [ComparisonClass: Int] = [:]
        var canaries = 0
        var nodeFailures = 0
        var evictions = RunEvictions()
        var reloads = 0
        var failedReloads = 0
        var lastReloadError: [String]?
        var shed: [String: Int] = [:]
        var crashedSessions: [CrashedSession] = []
    }

    public let configuration: SidecarConfiguration
    public let queue: RecordQueue
    let metrics = SidecarMetrics()
    let logger: Logger
    let loader: Loader
    /// Monotonic nanoseconds (run TTLs); injectable so tests can age runs without sleeping.
    let monotonicNanos: @Sendable () -> Int64
    private let current: NIOLockedValueBox<EvaluationGeneration>
    private let reloading = NIOLock()
    private let stats = NIOLockedValueBox(Stats())
    private let admission: Admission
    private let started = ContinuousClock.now

    public init(configuration: SidecarConfiguration, bundle: PolicyBundle, loader: @escaping Loader, logger: Logger,
                monotonicNanos: (@Sendable () -> Int64)? = nil) {
        self.configuration = configuration
        self.loader = loader
        self.logger = logger
        queue = RecordQueue(capacity: configuration.queueCapacity)
        admission = Admission(limit: configuration.maxInFlight)
        let origin = ContinuousClock.now
        self.monotonicNanos = monotonicNanos ?? { (ContinuousClock.now - origin).nanoseconds }
        current = NIOLockedValueBox(EvaluationGeneration(bundle: bundle, number: 1, loadedAtNanos: Self.wallNanos(),
                                                         configuration: configuration))
    }

    static func wallNanos() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000_000) }

    var generation: EvaluationGeneration { current.withLockedValue { $0 } }

    // MARK: Deciding

    /// Decides the steps and records them as the record mode says: async enqueues and answers at
    /// once; sync answers only after the records are committed, and sheds (503) when the record
    /// queue cannot take them or the store refuses them.
    public func respond(_ requests: [StepRequest]) async throws(APIError) -> [DecisionResponse] {
        guard configuration.recordMode == .sync else { return decide(requests) }
        guard queue.reserve(requests.count) else {
            shed("queue")
            throw .unavailable("the record queue is full (\(queue.capacity) records); retry later")
        }
        let (responses, records) = evaluate(requests)
        switch await queue.commitDurably(records, reserved: requests.count) {
        case .committed:
            return responses
        case .failed:
            shed("record-failed")
            throw .unavailable("the decisions could not be recorded (the store refused the write); retry later")
        case .closed:
            shed("stopping")
            throw .unavailable("the sidecar is stopping and records nothing more")
        }
    }

    /// Decides the steps in order, each in its run's context, all under the generation current when
    /// the call began; enqueues the decision pairs for the store without waiting (async recording).
    public func decide(_ requests: [StepRequest]) -> [DecisionResponse] {
        let (responses, records) = evaluate(requests)
        let dropped = queue.offer(records)
        if dropped > 0 { logger.warning("record queue full; decisions not recorded", metadata: ["dropped": "\(dropped)"]) }
        return responses
    }

    /// The decisions and their records, with counts and metrics updated; records nothing.
    func evaluate(_ requests: [StepRequest]) -> ([DecisionResponse], [DecisionRecord]) {
        let generation = self.generation
        var responses: [DecisionResponse] = []
        var records: [DecisionRecord] = []
        responses.reserveCapacity(requests.count)
        records.reserveCapacity(requests.count)
        var evictions = RunEvictions()
        var classes: [ComparisonClass: Int] = [:]
        var canaries = 0, nodeFailures = 0
        for request in requests {
            let step = request.step
            let canary = Canary.isCanary(step)
            let outcome: ShadowOutcome
            let version: PolicyVersion
            if canary {
                outcome = Canary.outcome(for: step)
                version = Canary.version
                canaries += 1
            } else {
                let evaluated = generation.evaluate(step, userRequest: request.userRequest, now: monotonicNanos())
                outcome = evaluated.outcome
                evictions += evaluated.evictions
                version = generation.version(of: step.workflow)
                classes[outcome.comparison, default: 0] += 1
            }
            let cutOver = isCutOver(step.tenant, canary: canary)
            let labels = labels(for: step, in: generation, canary: canary)
            metrics.decision(outcome.comparison, tenant: labels.tenant, workflow: labels.workflow)
            if canary {
                metrics.canary(tenant: labels.tenant)
            } else if outcome.comparison == .unknownStep {
                nodeFailures += 1
                metrics.nodeFailure(tenant: labels.tenant, workflow: labels.workflow)
            }
            records.append(DecisionRecord(step: step, legacy: outcome.legacy, node: outcome.node, policyVersion: version,
                                          provenance: outcome.provenance.map(\.step), comparison: outcome.comparison))
            responses.append(DecisionResponse(
                tenant: step.tenant, workflow: step.workflow, run: step.runId, step: step.stepId,
                decision: outcome.authoritative(cutOver: cutOver), shadow: outcome.authoritative(cutOver: !cutOver),
                class: outcome.comparison, cutOver: cutOver, node: outcome.nodeId, provenance: outcome.provenance.map(\.step),
                policyVersion: version.contentHash, canary: canary, warnings: request.warnings))
        }
        metrics.evicted(evictions)
        stats.withLockedValue { stats in
            for (comparison, count) in classes { stats.byClass[comparison, default: 0] += count }
            stats.canaries += canaries
            stats.nodeFailures += nodeFailures
            stats.evictions += evictions
        }
        return (responses, records)
    }

    func isCutOver(_ tenant: String, canary: Bool) -> Bool {
        configuration.cutOverTenants.contains(tenant) || (canary && tenant == Canary.cutOverTenant)
    }

    /// Metric labels: names the bundle knows, else `other` (a request cannot mint new series).
    func labels(for step: Step, in generation: EvaluationGeneration, canary: Bool) -> (tenant: String, workflow: String) {
        let knownTenant = generation.tenants.contains(step.tenant) || (canary && Canary.tenants.contains(step.tenant))
        let knownWorkflow = canary || generation.workflows.contains(step.workflow)
        return (knownTenant ? step.tenant : "other", knownWorkflow ? step.workflow : "other")
    }

    // MARK: Reload

    public struct ReloadOutcome: Sendable, Hashable, Codable {
        public var reloaded: Bool
        public var generation: Int
        public var reasons: [String]
        public var policies: [String: String]
    }

    /// Re-reads sandboxes and policies; swaps them in only when they load and validate. Requests that
    /// already hold the old generation finish on it. Reloads are serialized.
    @discardableResult
    public func reload() -> ReloadOutcome {
        reloading.withLock {
            let old = generation
            switch loader() {
            case .failure(let failure):
                stats.withLockedValue { stats in
                    stats.failedReloads += 1
                    stats.lastReloadError = failure.reasons
                }
                metrics.reload(succeeded: false)
                logger.error("reload failed; keeping the loaded policies", metadata: [
                    "generation": "\(old.number)", "reasons": "\(failure.reasons.joined(separator: "; "))"])
                return ReloadOutcome(reloaded: false, generation: old.number, reasons: failure.reasons, policies: Self.hashes(old.bundle))
            case .success(let bundle):
                let problems = bundle.problems()
                guard problems.isEmpty else {
                    stats.withLockedValue { stats in
                        stats.failedReloads += 1
                        stats.lastReloadError = problems
                    }
                    metrics.reload(succeeded: false)
                    logger.error("reload rejected; keeping the loaded policies", metadata: ["reasons": "\(problems.joined(separator: "; "))"])
                    return ReloadOutcome(reloaded: false, generation: old.number, reasons: problems, policies: Self.hashes(old.bundle))
                }
                let next = EvaluationGeneration(bundle: bundle, number: old.number + 1, loadedAtNanos: Self.wallNanos(),
                                                configuration: configuration)
                current.withLockedValue { $0 = next }
                let dropped = RunEvictions(reload: old.runsTracked)
                metrics.evicted(dropped)
                stats.withLockedValue { stats in
                    stats.reloads += 1
                    stats.lastReloadError = nil
                    stats.evictions += dropped
                }
                metrics.reload(succeeded: true)
                logger.info("reloaded policies", metadata: ["generation": "\(next.number)", "workflows": "\(bundle.sets.count)",
                                                            "tenants": "\(bundle.sandboxes.count)"])
                return ReloadOutcome(reloaded: true, generation: next.number, reasons: [], policies: Self.hashes(bundle))
            }
        }
    }

    static func hashes(_ bundle: PolicyBundle) -> [String: String] { bundle.versions.mapValues(\.contentHash) }

    // MARK: Status and metrics

    public func status() -> SidecarStatus {
        let generation = self.generation
        let stats = self.stats.withLockedValue { $0 }
        let uptime = ContinuousClock.now - started
        var byClass: [String: Int] = [:]
        for comparison in ComparisonClass.allCases { byClass[comparison.rawValue] = stats.byClass[comparison, default: 0] }
        return SidecarStatus(
            uptimeSeconds: Double(uptime.nanoseconds) / 1e9, generation: generation.number,
            loadedAt: Timestamp.rfc3339(nanos: generation.loadedAtNanos), policies: Self.hashes(generation.bundle),
            tenants: generation.bundle.tenants, cutOver: configuration.cutOverTenants.sorted(), queue: queue.counts,
            runs: .init(tracked: generation.runsTracked, capacity: configuration.maxRuns, evicted: stats.evictions.total,
                        expired: stats.evictions.expired, overCapacity: stats.evictions.overCapacity, reload: stats.evictions.reload),
            decisions: .init(total: byClass.values.reduce(0, +), byClass: byClass, canaries: stats.canaries, nodeFailures: stats.nodeFailures),
            reloads: .init(succeeded: stats.reloads, failed: stats.failedReloads, lastError: stats.lastReloadError),
            recordMode: configuration.recordMode,
            inFlight: .init(current: admission.current, peak: admission.peak, limit: configuration.maxInFlight),
            shed: stats.shed, crashedSessions: stats.crashedSessions)
    }

    public func metricsText() -> String {
        metrics.render(queue: queue.counts, runs: generation.runsTracked, inFlight: admission.current)
    }

    func rejected(status: Int) { metrics.rejected(status: status) }

    // MARK: Shedding

    /// Admits a decision request when fewer than `maxInFlight` are being handled; false: shed it.
    func admit() -> Bool {
        if admission.enter() { return true }
        shed("in-flight")
        return false
    }

    func leave() { admission.leave() }

    func shed(_ reason: String) {
        metrics.shed(reason: reason)
        stats.withLockedValue { $0.shed[reason, default: 0] += 1 }
    }

    /// What the serve sessions of crashed processes left (the store sink found them when it opened).
    public func noteCrashedSessions(_ sessions: [CrashedSession]) {
        guard !sessions.isEmpty else { return }
        stats.withLockedValue { $0.crashedSessions += sessions }
        metrics.crashed(sessions)
    }

    func observeLatency(route: String, nanoseconds: Int64) { metrics.latency(route: route, nanoseconds: nanoseconds) }
}

/// `GET /v1/status`.
public struct SidecarStatus: Sendable, Hashable, Codable {
    public struct Runs: Sendable, Hashable, Codable {
        public var tracked: Int
        public var capacity: Int
        public var evicted: Int
        public var expired: Int
        public var overCapacity: Int
        public var reload: Int
    }

    public struct Decisions: Sendable, Hashable, Codable {
        /// Steps decided under the loaded policies (canaries excluded).
        public var total: Int
        public var byClass: [String: Int]
        public var canaries: Int
        /// Steps the node regime could not decide (unknown workflow or step): the legacy answer stood.
        public var nodeFailures: Int
    }

    public struct Reloads: Sendable, Hashable, Codable {
        public var succeeded: Int
        public var failed: Int
        public var lastError: [String]?
    }

    public var uptimeSeconds: Double
    public var generation: Int
    public var loadedAt: String
    /// Workflow → policy version hash.
    public var policies: [String: String]
    public var tenants: [String]
    public var cutOver: [String]
    public var queue: RecordQueue.Counts
    public var runs: Runs
    public var decisions: Decisions
    public var reloads: Reloads

    public struct InFlight: Sendable, Hashable, Codable {
        public var current: Int
        /// The most decision requests handled at once since start.
        public var peak: Int
        public var limit: Int
    }

    public var recordMode: RecordMode
    public var inFlight: InFlight
    /// Requests answered 503, by reason: `in-flight`, `queue` (sync), `record-failed`, `stopping`.
    public var shed: [String: Int]
    /// Serve sessions a previous process left running, closed at this start.
    public var crashedSessions: [CrashedSession]
}

/// Counts decision requests in flight against a limit.
final class Admission: Sendable {
    private struct State {
        var current = 0
        var peak = 0
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) { self.limit = max(1, limit) }

    func enter() -> Bool {
        state.withLockedValue { state in
            guard state.current < limit else { return false }
            state.current += 1
            state.peak = max(state.peak, state.current)
            return true
        }
    }

    func leave() { state.withLockedValue { $0.current -= 1 } }

    var current: Int { state.withLockedValue { $0.current } }
    var peak: Int { state.withLockedValue { $0.peak } }
}
