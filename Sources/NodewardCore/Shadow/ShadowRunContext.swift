/// What shadow evaluation remembers within one run: the node evaluator's `RunContext`, plus each
/// step's direct data sources, from which a step's provenance chain is walked.
public struct ShadowRunContext: Sendable {
    var node: RunContext
    /// Direct data sources by position (`-1`: the user's request), and the steps themselves (id, kind, operation) by position.
    var sources: [[Int32]] = []
    var links: [ProvenanceLink] = []

    public init(runId: String, userRequest: String?) {
        node = RunContext(runId: runId, userRequest: userRequest)
    }

    public init(_ run: Run) {
        self.init(runId: run.runId, userRequest: run.userRequest)
    }

    public var runId: String { node.runId }
    public var stepCount: Int { node.stepCount }

    /// Records the direct sources of the step about to be evaluated at `position` and returns its chain.
    /// Called before node evaluation, so only earlier steps' results are producers (as in inference).
    mutating func recordSources(of step: Step, at position: Int32) -> [ProvenanceLink] {
        var direct: [Int32] = []
        node.forEachSource(of: step, at: position) { source, _ in
            if source < position, !direct.contains(source) { direct.append(source) }
        }
        direct.sort(by: >)  // nearest first; the request (-1) last
        sources.append(direct)
        links.append(ProvenanceLink(step: step.stepId, kind: step.kind.rawValue, operation: step.operation))
        return chain(from: direct)
    }

    /// Breadth-first over data sources, nearest first, each upstream step once, bounded.
    func chain(from direct: [Int32]) -> [ProvenanceLink] {
        guard !direct.isEmpty else { return [] }
        var chain: [ProvenanceLink] = []
        var seen = Set<Int32>()
        var queue = direct
        var head = 0
        while head < queue.count, chain.count < ShadowEvaluator.chainLimit {
            let source = queue[head]
            head += 1
            guard seen.insert(source).inserted else { continue }
            if source < 0 {
                chain.append(.request)
                continue
            }
            chain.append(links[Int(source)])
            queue.append(contentsOf: sources[Int(source)])
        }
        return chain
    }
}
