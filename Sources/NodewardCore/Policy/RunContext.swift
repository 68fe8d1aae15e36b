/// What node evaluation remembers within one run: each earlier step's position and matched node (for
/// `after` and edge grants), the values earlier results produced (for provenance by value match, the
/// same rules as inference), and per-node step counts (for `limits.perRun`). Make one per run and pass
/// it to every `NodeEvaluator.evaluate` call of that run, in step order.
///
/// Kept cheap per step: step ids are found by a short backwards scan (a map only for long runs), and
/// results are tokenized only when a later step matches values against them (steps whose inputs are
/// explicit never do), so a step's decision pays for what it reads.
public struct RunContext: Sendable {
    public private(set) var runId: String
    public private(set) var userRequest: String
    /// Step ids by position. The latest step with an id wins, as in inference's position map.
    var stepIds: [String] = []
    /// The same as a map, kept only once a run is longer than `scanLimit` steps.
    var longRunPositions: [String: Int32] = [:]
    static let scanLimit = 32
    /// The node index each step matched (`CompiledWorkflow.unmatched` if none), by position.
    var matched: [Int32] = []
    /// Tokens of the results tokenized so far → the latest position that produced each.
    var tokenizedProducers: [String: Int32] = [:]
    /// Results not tokenized yet, in position order (tokenizing in order keeps "latest wins").
    var pendingResults: [(position: Int32, result: JSONValue)] = []
    var tokenScratch = Set<String>()
    /// Allowed steps per node index in this run.
    var allowedCounts = NodeCounts()

    public init(runId: String, userRequest: String?) {
        self.runId = runId
        self.userRequest = userRequest ?? ""
    }

    public init(_ run: Run) {
        self.init(runId: run.runId, userRequest: run.userRequest)
    }

    public var stepCount: Int { matched.count }

    /// Starts a new run, keeping the storage of the previous one (no allocation for runs of similar size).
    public mutating func reset(runId: String, userRequest: String?) {
        self.runId = runId
        self.userRequest = userRequest ?? ""
        stepIds.removeAll(keepingCapacity: true)
        longRunPositions.removeAll(keepingCapacity: true)
        matched.removeAll(keepingCapacity: true)
        tokenizedProducers.removeAll(keepingCapacity: true)
        pendingResults.removeAll(keepingCapacity: true)
        allowedCounts.removeAll()
    }

    /// Step id → latest position (what `Provenance` takes; built on demand, off the hot path).
    var positions: [String: Int32] {
        if stepIds.count > Self.scanLimit { return longRunPositions }
        var map: [String: Int32] = [:]
        for (position, id) in stepIds.enumerated() { map[id] = Int32(position) }
        return map
    }

    /// Result token → latest producing position, every result so far included (off the hot path).
    var producers: [String: Int32] {
        var map = tokenizedProducers
        var scratch = Set<String>()
        for pending in pendingResults { Self.record(pending.result, at: pending.position, into: &map, scratch: &scratch) }
        return map
    }

    /// The latest position of a step id, as `positions[id]`.
    func position(of id: String) -> Int32? {
        if stepIds.count > Self.scanLimit { return longRunPositions[id] }
        var index = stepIds.count - 1
        while index >= 0 {
            if stepIds[index] == id { return Int32(index) }
            index -= 1
        }
        return nil
    }

    /// The control predecessor's matched node: the earliest explicit parent seen earlier in the run,
    /// else the previous step; `start` (-1) for the first step. The same rule as inference.
    func predecessor(of step: Step, at position: Int32) -> Int32 {
        var earliest: Int32?
        for parent in step.parents {
            if let index = self.position(of: parent), index < position, earliest.map({ index < $0 }) ?? true { earliest = index }
        }
        if let earliest { return matched[Int(earliest)] }
        return position == 0 ? CompiledWorkflow.start : matched[Int(position) - 1]
    }

    /// The data source of an upstream position: `request` (-1) or the node that step matched.
    func source(_ position: Int32) -> Int32 {
        position < 0 ? CompiledWorkflow.request : matched[Int(position)]
    }

    mutating func begin(_ step: Step) -> Int32 {
        let position = Int32(matched.count)
        stepIds.append(step.stepId)
        if stepIds.count > Self.scanLimit {
            if stepIds.count == Self.scanLimit + 1 {
                for (earlier, id) in stepIds.enumerated() { longRunPositions[id] = Int32(earlier) }
            } else {
                longRunPositions[step.stepId] = position
            }
        }
        matched.append(CompiledWorkflow.unmatched)
        return position
    }

    /// Remembers the step's result for value matching (`Provenance.recordResult`, deferred).
    mutating func finish(_ step: Step, at position: Int32) {
        guard let result = step.result, step.kind != .output else { return }
        pendingResults.append((position, result))
    }

    /// Value matching reads the producers only for a step with arguments and no explicit inputs.
    static func matchesValues(_ step: Step) -> Bool { step.inputs.isEmpty && !step.arguments.isEmpty }

    /// Tokenizes the pending results, in order. Call before reading `tokenizedProducers`.
    mutating func tokenizePendingResults() {
        guard !pendingResults.isEmpty else { return }
        for pending in pendingResults { Self.record(pending.result, at: pending.position, into: &tokenizedProducers, scratch: &tokenScratch) }
        pendingResults.removeAll(keepingCapacity: true)
    }

    /// `Provenance.recordResult`: every token of every string maps to `position`. Object members are
    /// visited unsorted: all tokens of one result get the same position, so order cannot matter.
    static func record(_ value: JSONValue, at position: Int32, into producers: inout [String: Int32], scratch: inout Set<String>) {
        switch value {
        case .string(let text):
            scratch.removeAll(keepingCapacity: true)
            ValueTokens.candidates(in: text, into: &scratch)
            for token in scratch { producers[token] = position }
        case .array(let items):
            for item in items { record(item, at: position, into: &producers, scratch: &scratch) }
        case .object(let members):
            for member in members.values { record(member, at: position, into: &producers, scratch: &scratch) }
        default:
            break
        }
    }

    /// `Provenance.forEachSource` over this context (positions by scan, producers tokenized on demand).
    mutating func forEachSource(of step: Step, at target: Int32, _ body: (Int32, String) -> Void) {
        if !step.inputs.isEmpty {
            for input in step.inputs {
                let argument = input.argument ?? "*"
                if input.step == DataInput.userRequest {
                    body(-1, argument)
                } else if let source = position(of: input.step), source < target {
                    body(source, argument)
                }
            }
            return
        }
        guard !step.arguments.isEmpty else { return }
        tokenizePendingResults()
        for (argument, value) in step.arguments {
            var tokens = Set<String>()
            value.forEachString { ValueTokens.candidates(in: $0, into: &tokens) }
            for token in tokens {
                if !userRequest.isEmpty, Provenance.occurs(token, in: userRequest) {
                    body(-1, argument)
                } else if let source = tokenizedProducers[token] {
                    body(source, argument)
                }
            }
        }
    }

    /// True when an earlier result produced a token (`!producers.isEmpty`), tokenizing what is pending.
    mutating func hasProducers() -> Bool {
        tokenizePendingResults()
        return !tokenizedProducers.isEmpty
    }
}

/// Allowed steps per node index, by array slot (node indices are small and dense).
struct NodeCounts: Sendable {
    private var counts: [Int] = []

    subscript(index: Int32, default value: Int) -> Int {
        let slot = Int(index)
        return slot >= 0 && slot < counts.count ? counts[slot] : value
    }

    subscript(index: Int32) -> Int {
        get { self[index, default: 0] }
        set {
            let slot = Int(index)
            guard slot >= 0 else { return }
            if slot >= counts.count { counts.append(contentsOf: repeatElement(0, count: slot + 1 - counts.count)) }
            counts[slot] = newValue
        }
    }

    mutating func removeAll() { counts.removeAll(keepingCapacity: true) }
}
