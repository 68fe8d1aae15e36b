import Foundation
import NodewardCore

/// The decision and replay workloads of `nodeward bench`: runs are read into memory first (not timed),
/// then every step is decided with a monotonic clock read around each decision, so the median and p99
/// are of single decisions; the clock's own cost (measured the same way around nothing) is subtracted.
enum BenchDecisions {
    struct Latency: Codable {
        var decisions: Int
        var medianNanos: Double
        var p99Nanos: Double
        var meanNanos: Double
        var decisionsPerSecond: Int
    }

    static func load(_ workspace: Workspace, limit: Int?) -> (runs: [Run], sandboxes: [TenantSandbox]) {
        let sandboxes = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants).sandboxes
        var runs: [Run] = []
        var steps = 0
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
            if let limit, steps >= limit { return }
            runs.append(run)
            steps += run.steps.count
        }
        // Rate buckets run on trace time: decide in start order, as replay does.
        runs.sort { ($0.startNanos, $0.tenant, $0.runId) < ($1.startNanos, $1.tenant, $1.runId) }
        return (runs, sandboxes)
    }

    @inline(__always) static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    static func clockOverhead() -> Double {
        var samples: [UInt64] = []
        samples.reserveCapacity(100_000)
        for _ in 0..<100_000 {
            let start = now()
            samples.append(now() - start)
        }
        samples.sort()
        return Double(samples[samples.count / 2])
    }

    static func summarize(_ samples: inout [UInt64], total: Double, overhead: Double) -> Latency {
        samples.sort()
        func at(_ quantile: Double) -> Double {
            guard !samples.isEmpty else { return 0 }
            return max(0, Double(samples[min(samples.count - 1, Int(Double(samples.count) * quantile))]) - overhead)
        }
        let mean = samples.isEmpty ? 0 : max(0, total / Double(samples.count) - overhead)
        return Latency(decisions: samples.count, medianNanos: at(0.5), p99Nanos: at(0.99), meanNanos: (mean * 10).rounded() / 10,
                       decisionsPerSecond: mean > 0 ? Int(1e9 / mean) : 0)
    }

    static func legacy(runs: [Run], sandboxes: [TenantSandbox]) -> Latency {
        var fleet = LegacyFleet(sandboxes: sandboxes)
        return time(runs, startRun: { _ in }, decide: { fleet.evaluate($0) })
    }

    static func node(runs: [Run], sandboxes: [TenantSandbox]) -> Latency {
        var inferencer = Inferencer(sandboxes: sandboxes, options: InferenceOptions())
        for run in runs { inferencer.consume(run) }
        let sets = inferencer.finish().map { PolicyGenerator(graph: $0, sandboxes: sandboxes).generate() }
        var evaluator = NodeEvaluator(policies: CompiledPolicySet(sets), sandboxes: sandboxes)
        var context = RunContext(runId: "", userRequest: nil)
        return time(runs, startRun: { context.reset(runId: $0.runId, userRequest: $0.userRequest) },
                    decide: { evaluator.evaluate($0, in: &context) })
    }

    /// Decides every step of every run with the clock read around each decision.
    static func time(_ runs: [Run], startRun: (Run) -> Void, decide: (Step) -> Decision) -> Latency {
        var samples: [UInt64] = []
        samples.reserveCapacity(runs.reduce(0) { $0 + $1.steps.count })
        var total: UInt64 = 0
        var allowed = 0
        for run in runs {
            startRun(run)
            for step in run.steps {
                let start = now()
                let decision = decide(step)
                let elapsed = now() - start
                if decision.effect == .allow { allowed += 1 }  // uses the decision, so it is not optimized away
                samples.append(elapsed)
                total += elapsed
            }
        }
        precondition(allowed <= samples.count)
        return summarize(&samples, total: Double(total), overhead: clockOverhead())
    }
}
