/// What an OTLP run needs once all its spans are in, because it joins spans that may arrive in any order
/// (docs/formats.md, "Current GenAI conventions"): MCP `tools/call` spans folded into the tool step they
/// are nested in, tool arguments and results recovered from message parts, guardrail decisions attached
/// to the steps they guard, and each step's agent.
struct OTLPRunCompletion {
    struct Note {
        var code: DiagnosticCode
        var message: String
        var source: SourceLocation
    }

    private(set) var steps: [PendingStep]
    /// Span id → parent span id for spans that are not steps (grows by the folded MCP spans).
    private(set) var links: [String: String?]
    let parser: any JSONParsing

    init(steps: [PendingStep], links: [String: String?], parser: any JSONParsing) {
        self.steps = steps
        self.links = links
        self.parser = parser
    }

    /// One tool call traced three ways (the framework's `execute_tool`, the MCP client span, the MCP
    /// server span under it) is one step: an MCP tool span whose nearest step ancestor is a tool step of
    /// the same name is merged into the outermost such step, which keeps what it recorded and takes what
    /// it lacks (arguments, result, resources, call id). The folded span becomes a link in the parent chain.
    mutating func foldMCPToolCalls() {
        guard steps.contains(where: \.isMCPToolCall) else { return }
        let positions = positionsById()
        let stepIds = Set(positions.keys)
        var targets: [Int?] = Array(repeating: nil, count: steps.count)
        // Parents are resolved outermost first: walk each chain up, then fill the targets on the way down.
        for start in steps.indices where steps[start].isMCPToolCall && targets[start] == nil {
            var chain = [start]
            var current = start
            while chain.count < 256, steps[current].isMCPToolCall, targets[current] == nil,
                  let parentId = RunAssembler.nearestStepAncestor(steps[current].parentSpanId, stepIds: stepIds, links: links),
                  let parent = positions[parentId], !chain.contains(parent),
                  steps[parent].step.kind == .toolCall, steps[parent].step.operation == steps[current].step.operation {
                chain.append(parent)
                current = parent
            }
            let outermost = targets[current] ?? current
            for position in chain where position != outermost { targets[position] = outermost }
        }
        var folded = Set<Int>()
        for position in steps.indices {
            guard let target = targets[position], target != position else { continue }
            let inner = steps[position]
            var outer = steps[target]
            if outer.step.arguments.isEmpty { outer.step.arguments = inner.step.arguments }
            if outer.step.result == nil { outer.step.result = inner.step.result }
            for resource in inner.step.resources where !outer.step.resources.contains(resource) { outer.step.resources.append(resource) }
            for item in inner.step.dataItems where !outer.step.dataItems.contains(item) { outer.step.dataItems.append(item) }
            if outer.step.recordedDecision == nil { outer.step.recordedDecision = inner.step.recordedDecision }
            if outer.step.principal == nil { outer.step.principal = inner.step.principal }
            if outer.toolCallId == nil { outer.toolCallId = inner.toolCallId }
            steps[target] = outer
            links[inner.step.stepId] = .some(inner.parentSpanId)
            folded.insert(position)
        }
        steps = steps.indices.filter { !folded.contains($0) }.map { steps[$0] }
    }

    /// A tool step without `gen_ai.tool.call.arguments` / `.result` (content capture on the tool span off,
    /// or recorded only in the messages) takes them from the `tool_call` / `tool_call_response` parts
    /// with its `gen_ai.tool.call.id`.
    mutating func recoverToolContent(_ calls: [String: OTLPToolCallContent]) {
        guard !calls.isEmpty else { return }
        for index in steps.indices {
            guard let id = steps[index].toolCallId, let content = calls[id] else { continue }
            if steps[index].step.arguments.isEmpty, let arguments = content.arguments {
                steps[index].step.arguments = OTLPStepBuilder.arguments(arguments, parser: parser)
            }
            if steps[index].step.result == nil, let response = content.response {
                steps[index].step.result = OTLPStepBuilder.decodeEmbeddedJSON(response, parser: parser)
            }
        }
    }

    /// Each guardrail's decision goes on the step it guards: the tool step whose call id is its target
    /// id, else its nearest step ancestor (a guardrail SHOULD be a child of what it protects), else a
    /// sibling by time (an input guardrail guards the next sibling step, an output guardrail the last one
    /// started before it). A decision the span itself recorded (`nodeward.legacy.decision`) stays; of
    /// several guardrails on one step, a deny wins. No step: a `trace.not-a-step` note, the decision dropped.
    mutating func attach(_ guardrails: [PendingGuardrail]) -> [Note] {
        guard !guardrails.isEmpty else { return [] }
        let positions = positionsById()
        let stepIds = Set(positions.keys)
        var byCallId: [String: Int] = [:]
        for (index, pending) in steps.enumerated() {
            if let id = pending.toolCallId, byCallId[id] == nil { byCallId[id] = index }
        }
        // Steps by parent span, in time order: a guardrail's siblings, found by binary search.
        var byParent: [String: [Int]] = [:]
        for index in steps.indices { byParent[steps[index].parentSpanId ?? "", default: []].append(index) }
        let siblings = byParent.mapValues { group in
            group.sorted { (steps[$0].step.startNanos, steps[$0].sequence) < (steps[$1].step.startNanos, steps[$1].sequence) }
        }
        var notes: [Note] = []
        var decidedByGuardrail = Set<Int>()
        for pending in guardrails {
            guard let effect = pending.guardrail.effect else { continue }
            var guarded: Int?
            if let target = pending.guardrail.targetId, let index = byCallId[target] {
                guarded = index
            } else if let parentId = RunAssembler.nearestStepAncestor(pending.parentSpanId, stepIds: stepIds, links: links) {
                guarded = positions[parentId]
            } else if let group = siblings[pending.parentSpanId ?? ""] {
                // Input: the first sibling starting at or after the guardrail; output: the last one starting
                // at or before it.
                let start = pending.startNanos
                if pending.guardrail.guardsOutput {
                    let after = Self.firstIndex(in: group) { steps[$0].step.startNanos > start }
                    guarded = after > 0 ? group[after - 1] : nil
                } else {
                    let from = Self.firstIndex(in: group) { steps[$0].step.startNanos >= start }
                    guarded = from < group.count ? group[from] : nil
                }
            }
            guard let guarded else {
                notes.append(Note(
                    code: .traceNotAStep,
                    message: "guardrail span \(pending.spanId) has no step to attach its decision to (no target id, step parent or sibling step); the decision is dropped",
                    source: pending.source))
                continue
            }
            let decision = RecordedDecision(effect: effect, rule: pending.guardrail.rule, reason: pending.guardrail.reason)
            if steps[guarded].step.recordedDecision == nil {
                steps[guarded].step.recordedDecision = decision
                decidedByGuardrail.insert(guarded)
            } else if decidedByGuardrail.contains(guarded), effect == .deny, steps[guarded].step.recordedDecision?.effect != .deny {
                steps[guarded].step.recordedDecision = decision
            }
        }
        return notes
    }

    /// Each step's agent: the name of its nearest `invoke_agent` ancestor (a crew's agents under one
    /// `invoke_workflow`, an agent invoked by another), nil when no named agent span is above it.
    func agents(named names: [String: String]) -> [String?] {
        guard !names.isEmpty else { return Array(repeating: nil, count: steps.count) }
        var parentOfStep: [String: String?] = [:]
        for pending in steps { parentOfStep[pending.step.stepId] = .some(pending.parentSpanId) }
        return steps.map { pending in
            var current = pending.parentSpanId
            var hops = 0
            while let id = current, hops < 256 {
                if let name = names[id] { return name }
                if let parent = parentOfStep[id] ?? links[id] { current = parent } else { return nil }
                hops += 1
            }
            return nil
        }
    }

    /// The first position in `group` where `isPast` holds (it holds from there on), by binary search.
    private static func firstIndex(in group: [Int], where isPast: (Int) -> Bool) -> Int {
        var low = 0, high = group.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(group[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    private func positionsById() -> [String: Int] {
        var positions: [String: Int] = [:]
        for (index, pending) in steps.enumerated() where positions[pending.step.stepId] == nil {
            positions[pending.step.stepId] = index
        }
        return positions
    }
}
