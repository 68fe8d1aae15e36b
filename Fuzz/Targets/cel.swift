// libFuzzer target: bytes → CELProgram.compile → evaluate against a fixed activation (docs/fuzzing.md).
// A trap, a canonical print that does not compile or prints differently, or an evaluation that differs
// between two runs or between the program and its reparsed print is a finding.
import Foundation
import NodewardCore

let activation = CELActivation([
    "jwt": .map(CELMap(strings: [
        "sub": .string("test-user"), "roles": .list([.string("admin")]),
        "nested": .map(CELMap(strings: ["key": .string("value")])), "level": .int(3),
    ])),
    "mcp": .map(CELMap(strings: [
        "tool": .map(CELMap(strings: [
            "name": .string("read_file"), "target": .string("files"),
            "arguments": .map(CELMap(strings: ["path": .string("/data/a.txt"), "limit": .double(2.5)], isComplete: false)),
        ])),
    ])),
], unrecordedNames: ["source", "request"])

func render(_ outcome: CELOutcome) -> String {
    switch outcome {
    case .value(let value): return "value \(value.fuzzDescription)"
    case .error(let error): return "error \(error.message)"
    case .unknown(let unknown): return "unknown \(unknown.reason.rawValue) \(unknown.message)"
    }
}

extension CELValue {
    var fuzzDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return "\(flag)"
        case .int(let number): return "\(number)"
        case .uint(let number): return "\(number)u"
        case .double(let number): return number.isNaN ? "nan" : "\(number)"
        case .string(let text): return "\"\(text.utf8.count)\""
        case .list(let items): return "[" + items.map(\.fuzzDescription).joined(separator: ",") + "]"
        case .map(let map): return "{\(map.entries.count)}"
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCEL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard case .success(let program) = CELProgram.compile(text) else { return 0 }
    let printed = program.canonicalText
    guard case .success(let reparsed) = CELProgram.compile(printed) else { preconditionFailure("the canonical print does not compile") }
    guard reparsed.canonicalText == printed else { preconditionFailure("the canonical print is not stable") }
    let first = render(program.evaluate(activation))
    guard first == render(program.evaluate(activation)) else { preconditionFailure("evaluation is not deterministic") }
    guard first == render(reparsed.evaluate(activation)) else { preconditionFailure("the reparsed program evaluates differently") }
    return 0
}
