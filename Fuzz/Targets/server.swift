// libFuzzer target: the shadow sidecar's request decoder (DecisionRequestDecoding), seeded with
// step records. Each input is decoded as a single-step body, and wrapped as the one step of a batch
// body; both must give an answer (never crash or hang), the same answer twice, and agree.
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let single = DecisionRequestDecoding.single(bytes[...])
    precondition(single == DecisionRequestDecoding.single(bytes[...]), "decoding is not deterministic")
    let wrapped = Array(#"{"steps":["#.utf8) + bytes + Array("]}".utf8)
    let batch = DecisionRequestDecoding.batch(wrapped[...], maxSteps: 4)
    switch (single, batch) {
    case (.success(let step), .success(let steps)):
        precondition(steps == [step], "a step decodes differently inside a batch")
    case (.success, .failure(let failure)):
        // Only the wrapping can fail a step that decodes alone: the extra nesting level.
        precondition(failure.reason.contains("JSON"), "a valid step fails inside a batch: \(failure.reason)")
    case (.failure, _):
        break
    }
    if case .success(let steps) = DecisionRequestDecoding.batch(bytes[...], maxSteps: 4) {
        precondition(steps.count <= 4, "the batch limit was not enforced")
    }
    return 0
}
