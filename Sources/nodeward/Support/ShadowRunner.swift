import Foundation
import NodewardCore
import NodewardStore
import Synchronization

/// Set by SIGINT during a replay: the replay stops at the next run, commits what it has, and marks its
/// session interrupted. Running it again resumes without duplicates (recording is idempotent).
let replayInterrupted = Atomic<Bool>(false)

struct ReplayInterrupted: Error {}

/// Offline shadow mode over a workspace's traces: stream runs through `ShadowReplay` and record every
/// decision pair in the store in batches (one transaction each). Shared by `shadow replay` and `plan`.
enum ShadowRunner {
    struct Outcome {
        var summary: ShadowSummary
        var recorded: RecordOutcome
        var storePath: String?
        var traceSummary: TraceReadSummary
        var stepsOutOfOrder: Int
    }

    static let batchSize = 4_096

    /// The policy version of each workflow: a hash of its policy file as Nodeward writes it, so the same
    /// rules give the same version whether they were generated or read from committed files.
    static func versions(of sets: [PolicySet]) -> [String: PolicyVersion] {
        Dictionary(sets.map { ($0.workflow, PolicyVersion(workflow: $0.workflow, contentHash: Fingerprint.label($0.yaml()))) },
                   uniquingKeysWith: { first, _ in first })
    }

    static func replay(workspace: Workspace, sandboxes: [TenantSandbox], policies sets: [PolicySet], storePath: String?,
                       incidents: [IncidentLabel]) throws -> Outcome {
        let versions = versions(of: sets)
        var replay = ShadowReplay(sandboxes: sandboxes, policies: CompiledPolicySet(sets), incidents: incidents)
        let database: NodewardDatabase?
        let session: SessionID?
        do throws(Diagnostic) {
            if let storePath {
                let opened = try NodewardDatabase(path: storePath)
                database = opened
                session = try opened.beginSession(kind: .replay, inputs: (workspace.tenants + workspace.traces).joined(separator: " "))
            } else {
                database = nil
                session = nil
            }
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        var pending: [DecisionRecord] = []
        var failure: Diagnostic?
        // Batches are written on a writer thread while evaluation goes on.
        let recorder = database.flatMap { database in session.map { PipelinedRecorder(database: database, session: $0) } }
        func flush() {
            guard let recorder, !pending.isEmpty, failure == nil else { pending.removeAll(); return }
            do { try recorder.submit(DecisionBatch(decisions: pending)) } catch { failure = error }
            pending.removeAll(keepingCapacity: true)
        }
        let emit: (Step, ShadowOutcome) -> Void = { step, outcome in
            guard database != nil else { return }
            let version = versions[step.workflow] ?? PolicyVersion(workflow: step.workflow, contentHash: "none")
            pending.append(DecisionRecord(step: step, legacy: outcome.legacy, node: outcome.node, policyVersion: version,
                                          provenance: outcome.provenance.map(\.step), comparison: outcome.comparison))
            if pending.count >= batchSize { flush() }
        }
        let progress = Terminal.ProgressLine()
        var runs = 0, steps = 0
        replayInterrupted.store(false, ordering: .relaxed)
        let previousHandler = signal(SIGINT) { _ in replayInterrupted.store(true, ordering: .relaxed) }
        defer { signal(SIGINT, previousHandler) }
        // A parent may start us with SIGINT blocked (Foundation's Process, spawning from a Dispatch
        // thread, passes its signal mask on): unblock it on this thread, which runs the replay, so the
        // handler above can run at all.
        var interruptOnly = sigset_t()
        sigemptyset(&interruptOnly)
        sigaddset(&interruptOnly, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interruptOnly, nil)
        var traceSummary = TraceReadSummary()
        var interrupted = false
        do {
            traceSummary = try TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
                if replayInterrupted.load(ordering: .relaxed) { throw ReplayInterrupted() }
                replay.consume(run, emit: emit)
                runs += 1
                steps += run.steps.count
                if runs % 256 == 0 { progress.update(PipelineProgress(stage: "shadow replay", runs: runs, steps: steps)) }
            }
        } catch {
            interrupted = true
        }
        // Interrupted: what the buffer holds is not evaluated (its rate buckets would see a partial
        // window); the committed batches stay, and a re-run skips them.
        if !interrupted { replay.finish(emit: emit) }
        flush()
        var recorded = RecordOutcome()
        if let recorder {
            do { recorded = try recorder.finish() } catch { failure = failure ?? error }
        }
        progress.finish()
        let summary = replay.tally.summary()
        if let database, let session {
            let counts = SessionCounts(runs: replay.runs, steps: summary.steps, decisions: recorded.decisions,
                                       diagnostics: traceSummary.skippedTotal)
            let status: SessionStatus = failure != nil ? .failed : interrupted ? .interrupted : .completed
            try? database.finishSession(session, counts: counts, status: status)
        }
        if let failure {
            Terminal.err(failure.description)
            throw NodewardExit.badInput
        }
        if interrupted {
            Terminal.err("interrupted: \(recorded.decisions.grouped) decisions recorded; run the same command again to resume (nothing is recorded twice)")
            throw NodewardExit.interrupted
        }
        return Outcome(summary: summary, recorded: recorded, storePath: storePath, traceSummary: traceSummary,
                       stepsOutOfOrder: replay.stepsOutOfOrder)
    }

    /// `--store PATH`, else the workspace's `outputs.store`, else `<workspace>/.nodeward/nodeward.sqlite`
    /// (the current folder without a workspace).
    static func storePath(explicit: String?, workspace: Workspace) -> String {
        explicit ?? workspace.store ?? ((workspace.root ?? ".") as NSString).appendingPathComponent(NodewardDatabase.defaultRelativePath)
    }
}
