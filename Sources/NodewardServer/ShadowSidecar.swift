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
        var replayed = 0
        var refused: [String: Int] = [:]
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

    /// Decides one step (`POST /v1/decisions`) for a caller that may speak for `caller`'s tenants: a
    /// step of another tenant is 403, a conflicting reuse of a step id is 409 (both undecided, unrecorded
    /// and counted); otherwise as `respond(_:caller:)`.
    public func respond(single request: StepRequest, caller: TenantScope = .all) async throws(APIError) -> DecisionResponse {
        guard caller.permits(request.step.tenant) else {
            refused(.tenantNotAuthorized, count: 1)
            throw APIError(status: 403, code: Refusal.tenantNotAuthorized.code, reason: Refusal.tenantNotAuthorized.reason)
        }
        guard let only = try await answer([request], caller: caller).first else {
            throw APIError(status: 500, code: "internal", reason: "no answer for the step")
        }
        if only.refusal == .stepConflict {
            throw APIError(status: 409, code: Refusal.stepConflict.code, reason: Refusal.stepConflict.reason)
        }
        return only.response
    }

    /// Decides the steps and records them as the record mode says: async enqueues and answers at
    /// once; sync answers only after the records are committed, and sheds (503) when the record
    /// queue cannot take them or the store refuses them. A step the sidecar refuses (`Refusal`: a
    /// tenant the caller may not speak for, a reserved canary name, a conflicting step id) is answered
    /// as a deny with the refusal's rule, and neither decided nor recorded.
    public func respond(_ requests: [StepRequest], caller: TenantScope = .all) async throws(APIError) -> [DecisionResponse] {
        try await answer(requests, caller: caller).map(\.response)
    }

    func answer(_ requests: [StepRequest], caller: TenantScope) async throws(APIError) -> [Answer] {
        guard configuration.recordMode == .sync else { return decideAnswers(requests, caller: caller) }
        guard queue.reserve(requests.count) else {
            shed("queue")
            throw .unavailable("the record queue is full (\(queue.capacity) records); retry later")
        }
        let (answers, records) = evaluate(requests, caller: caller)
        switch await queue.commitDurably(records, reserved: requests.count) {
        case .committed:
            return answers
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
    public func decide(_ requests: [StepRequest], caller: TenantScope = .all) -> [DecisionResponse] {
        decideAnswers(requests, caller: caller).map(\.response)
    }

    func decideAnswers(_ requests: [StepRequest], caller: TenantScope) -> [Answer] {
        let (answers, records) = evaluate(requests, caller: caller)
        let dropped = queue.offer(records)
        if dropped > 0 { logger.warning("record queue full; decisions not recorded", metadata: ["dropped": "\(dropped)"]) }
        return answers
    }

    /// One step's answer, and why the sidecar refused to decide it, if it did.
    struct Answer {
        var response: DecisionResponse
        var refusal: Refusal?
    }

    /// The decisions and their records, with counts and metrics updated; records nothing.
    func evaluate(_ requests: [StepRequest], caller: TenantScope = .all) -> ([Answer], [DecisionRecord]) {
        let generation = self.generation
        var answers: [Answer] = []
        var records: [DecisionRecord] = []
        answers.reserveCapacity(requests.count)
        records.reserveCapacity(requests.count)
        var evictions = RunEvictions()
        var classes: [ComparisonClass: Int] = [:]
        var refusals: [Refusal: Int] = [:]
        var canaries = 0, nodeFailures = 0, replayed = 0
        for request in requests {
            let step = request.step
            let canary: Bool
            let outcome: ShadowOutcome
            switch disposition(of: request, caller: caller, in: generation, evictions: &evictions) {
            case .refused(let refusal, let reason):
                refusals[refusal, default: 0] += 1
                let deny = ShadowOutcome(
                    legacy: Decision(regime: .legacy, effect: .deny, rule: refusal.rule, reason: reason),
                    node: Decision(regime: .node, effect: .deny, rule: refusal.rule, reason: reason), nodeId: nil, provenance: [])
                answers.append(Answer(response: response(step, deny, cutOver: isCutOver(step.tenant, canary: false), version: "none",
                                                         canary: false, warnings: request.warnings), refusal: refusal))
                continue
            case .replayed(let first):
                replayed += 1
                answers.append(Answer(response: response(step, first, cutOver: isCutOver(step.tenant, canary: false),
                                                         version: generation.version(of: step.workflow).contentHash, canary: false,
                                                         warnings: request.warnings), refusal: nil))
                continue
            case .canary(let decided):
                (canary, outcome) = (true, decided)
                canaries += 1
            case .decided(let decided):
                (canary, outcome) = (false, decided)
                classes[outcome.comparison, default: 0] += 1
            }
            let version = canary ? Canary.version : generation.version(of: step.workflow)
            answers.append(Answer(response: response(step, outcome, cutOver: isCutOver(step.tenant, canary: canary),
                                                     version: version.contentHash, canary: canary, warnings: request.warnings),
                                  refusal: nil))
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
        }
        metrics.evicted(evictions)
        if replayed > 0 { metrics.replayed(replayed) }
        for (refusal, count) in refusals { metrics.refused(rule: refusal.rule, count: count) }
        if !refusals.isEmpty {
            logger.notice("steps refused", metadata: ["refused": "\(refusals.map { "\($0.key.rule)=\($0.value)" }.sorted().joined(separator: ","))"])
        }
        stats.withLockedValue { stats in
            for (comparison, count) in classes { stats.byClass[comparison, default: 0] += count }
            for (refusal, count) in refusals { stats.refused[refusal.rule, default: 0] += count }
            stats.canaries += canaries
            stats.nodeFailures += nodeFailures
            stats.replayed += replayed
            stats.evictions += evictions
        }
        return (answers, records)
    }

    /// What becomes of one step, in this order: a tenant the caller may not speak for is refused; a
    /// reserved canary name is the canary or refused; anything else is evaluated in its run, unless its
    /// step id was answered before (a replay, or a conflict when the content differs).
    enum Disposition {
        case refused(Refusal, reason: String)
        case canary(ShadowOutcome)
        case decided(ShadowOutcome)
        case replayed(ShadowOutcome)
    }

    func disposition(of request: StepRequest, caller: TenantScope, in generation: EvaluationGeneration,
                     evictions: inout RunEvictions) -> Disposition {
        let step = request.step
        guard caller.permits(step.tenant) else { return .refused(.tenantNotAuthorized, reason: Refusal.tenantNotAuthorized.reason) }
        switch Canary.role(of: step, selftestEnabled: configuration.selftestEnabled) {
        case .reserved(let reason): return .refused(.reservedName, reason: reason)
        case .canary: return .canary(Canary.outcome(for: step))
        case .ordinary:
            let evaluated = generation.evaluate(step, userRequest: request.userRequest, now: monotonicNanos())
            evictions += evaluated.evictions
            switch evaluated.evaluation {
            case .decided(let outcome): return .decided(outcome)
            case .replayed(let outcome): return .replayed(outcome)
            case .conflict: return .refused(.stepConflict, reason: Refusal.stepConflict.reason)
            }
        }
    }

    func response(_ step: Step, _ outcome: ShadowOutcome, cutOver: Bool, version: String, canary: Bool,
                  warnings: [String]) -> DecisionResponse {
        DecisionResponse(
            tenant: step.tenant, workflow: step.workflow, run: step.runId, step: step.stepId,
            decision: outcome.authoritative(cutOver: cutOver), shadow: outcome.authoritative(cutOver: !cutOver),
            class: outcome.comparison, cutOver: cutOver, node: outcome.nodeId, provenance: outcome.provenance.map(\.step),
            policyVersion: version, canary: canary, warnings: warnings)
    }

    /// A step refused outside the batch path (a single step of a tenant the caller may not speak for).
    func refused(_ refusal: Refusal, count: Int) {
        metrics.refused(rule: refusal.rule, count: count)
        stats.withLockedValue { $0.refused[refusal.rule, default: 0] += count }
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
            decisions: .init(total: byClass.values.reduce(0, +), byClass: byClass, canaries: stats.canaries, nodeFailures: stats.nodeFailures,
                             replayed: stats.replayed, refused: stats.refused),
            reloads: .init(succeeded: stats.reloads, failed: stats.failedReloads, lastError: stats.lastReloadError),
            selftestEnabled: configuration.selftestEnabled,
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

/// Why the sidecar answers a step itself instead of deciding it. The step is denied under both regimes
/// with the refusal's rule, not recorded, and counted (`decisions.refused`, `nodeward_shadow_refused_steps_total`).
enum Refusal: Hashable {
    /// The caller's token may not speak for the step's tenant.
    case tenantNotAuthorized
    /// A reserved canary name used by a step that is not the canary (or the canary with the self-test off).
    case reservedName
    /// The step id was answered before in its run with different content.
    case stepConflict

    var rule: String {
        switch self {
        case .tenantNotAuthorized: "sidecar/tenant-not-authorized"
        case .reservedName: Canary.reservedRule
        case .stepConflict: "sidecar/step-conflict"
        }
    }

    /// The error code of the HTTP answer, where the refusal is one (a single-step request).
    var code: String {
        switch self {
        case .tenantNotAuthorized: "tenant-not-authorized"
        case .reservedName: "reserved-name"
        case .stepConflict: "step-conflict"
        }
    }

    var reason: String {
        switch self {
        case .tenantNotAuthorized: "the bearer token may not ask decisions for this step's tenant"
        case .reservedName: "the name is reserved for the shadow self-test"
        case .stepConflict: "this step id was answered before in its run with different content; use a new step id for a new step"
        }
    }
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
        /// Retries of an answered step with the same content, answered as the first time (not counted above).
        public var replayed: Int
        /// Steps the sidecar refused to decide, by rule (`Refusal`); not counted above, not recorded.
        public var refused: [String: Int]
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
    /// Whether the canary is decided by its built-in rules (`--enable-selftest`).
    public var selftestEnabled: Bool

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
