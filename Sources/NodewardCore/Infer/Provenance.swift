/// Data-flow provenance within one run (docs/inference.md, "Provenance"): explicit `inputs` where the
/// format records them; otherwise an argument value of a step that occurs in an earlier step's result
/// (the most recent one), or in the user's request, is taken to have flowed from there.
enum Provenance {
    static func trust(of kind: StepKind) -> TaskGraph.TrustClass {
        switch kind {
        case .retrieval: return .retrieval
        case .memoryRead, .memoryWrite: return .memory
        case .llm: return .modelOutput
        default: return .toolResult
        }
    }

    static func flows(in run: Run, positions: [String: Int32]) -> [FlowKey] {
        var flows = Set<FlowKey>()
        var producers: [String: Int32] = [:]
        let request = run.userRequest ?? ""
        for (index, step) in run.steps.enumerated() {
            let target = Int32(index)
            forEachSource(of: step, at: target, request: request, positions: positions, producers: producers) { source, argument, explicit in
                let trust: TaskGraph.TrustClass = source < 0 ? .userRequest : trust(of: run.steps[Int(source)].kind)
                flows.insert(FlowKey(source: source, target: target, argument: argument, trust: trust, explicit: explicit))
            }
            recordResult(of: step, at: target, into: &producers)
        }
        return flows.sorted { ($0.target, $0.source, $0.argument, $0.trust) < ($1.target, $1.source, $1.argument, $1.trust) }
    }

    /// Calls `body(source, argument, explicit)` for every flow into `step` at position `target`
    /// (`source == -1`: the user's request). Explicit inputs win; otherwise values are matched against
    /// the request and the results recorded in `producers` so far. May report a flow more than once.
    static func forEachSource(of step: Step, at target: Int32, request: String, positions: [String: Int32],
                              producers: [String: Int32], _ body: (Int32, String, Bool) -> Void) {
        if !step.inputs.isEmpty {
            for input in step.inputs {
                let argument = input.argument ?? "*"
                if input.step == DataInput.userRequest {
                    body(-1, argument, true)
                } else if let source = positions[input.step], source < target {
                    body(source, argument, true)
                }
            }
            return
        }
        for (argument, value) in step.arguments {
            var tokens = Set<String>()
            value.forEachString { ValueTokens.candidates(in: $0, into: &tokens) }
            for token in tokens {
                if !request.isEmpty, occurs(token, in: request) {
                    body(-1, argument, false)
                } else if let source = producers[token] {
                    body(source, argument, false)
                }
            }
        }
    }

    /// `request.contains(token)`, with a byte search when both are ASCII and the token holds no CR or LF
    /// (then bytes and characters coincide, so the answer is the same, and much cheaper).
    static func occurs(_ token: String, in request: String) -> Bool {
        let fast = token.utf8.withContiguousStorageIfAvailable { needle -> Bool? in
            guard !needle.isEmpty, needle.allSatisfy({ $0 < 0x80 && $0 != 10 && $0 != 13 }) else { return nil }
            return request.utf8.withContiguousStorageIfAvailable { haystack -> Bool? in
                guard haystack.allSatisfy({ $0 < 0x80 }) else { return nil }
                return containsBytes(haystack, needle)
            } ?? nil
        } ?? nil
        return fast ?? request.contains(token)
    }

    static func containsBytes(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard needle.count <= haystack.count else { return false }
        let first = needle[0]
        var start = 0
        while start <= haystack.count - needle.count {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            start += 1
        }
        return false
    }

    /// Records the candidate values of a step's result as produced at `position` (outputs produce nothing).
    static func recordResult(of step: Step, at position: Int32, into producers: inout [String: Int32]) {
        guard let result = step.result, step.kind != .output else { return }
        result.forEachString { text in
            var tokens = Set<String>()
            ValueTokens.candidates(in: text, into: &tokens)
            for token in tokens { producers[token] = position }
        }
    }
}
