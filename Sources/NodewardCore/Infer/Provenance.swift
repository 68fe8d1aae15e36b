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
            if !step.inputs.isEmpty {
                for input in step.inputs {
                    let argument = input.argument ?? "*"
                    if input.step == DataInput.userRequest {
                        flows.insert(FlowKey(source: -1, target: target, argument: argument, trust: .userRequest, explicit: true))
                    } else if let source = positions[input.step], source < target {
                        flows.insert(FlowKey(source: source, target: target, argument: argument,
                                             trust: trust(of: run.steps[Int(source)].kind), explicit: true))
                    }
                }
            } else {
                for (argument, value) in step.arguments {
                    var tokens = Set<String>()
                    value.forEachString { ValueTokens.candidates(in: $0, into: &tokens) }
                    for token in tokens {
                        if !request.isEmpty, request.contains(token) {
                            flows.insert(FlowKey(source: -1, target: target, argument: argument, trust: .userRequest, explicit: false))
                        } else if let source = producers[token] {
                            flows.insert(FlowKey(source: source, target: target, argument: argument,
                                                 trust: trust(of: run.steps[Int(source)].kind), explicit: false))
                        }
                    }
                }
            }
            guard let result = step.result, step.kind != .output else { continue }
            result.forEachString { text in
                var tokens = Set<String>()
                ValueTokens.candidates(in: text, into: &tokens)
                for token in tokens { producers[token] = target }
            }
        }
        return flows.sorted { ($0.target, $0.source, $0.argument, $0.trust) < ($1.target, $1.source, $1.argument, $1.trust) }
    }
}
