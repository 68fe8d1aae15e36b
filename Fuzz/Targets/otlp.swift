// libFuzzer target: one trace input through TraceReader.read(data:) with the default options, seeded with
// OTLP/JSON documents and OTLP JSON lines (docs/fuzzing.md). Format detection decides the path taken.
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var steps = 0
    let summary = TraceReader().read(data: bytes, file: "fuzz.json") { run in steps += run.steps.count }
    // Every step the reader emits is counted; a mismatch is a reader bug, not bad input.
    precondition(summary.steps == steps, "summary.steps \(summary.steps) != emitted \(steps)")
    return 0
}
