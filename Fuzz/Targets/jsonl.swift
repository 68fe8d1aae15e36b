// libFuzzer target: Nodeward JSONL through TraceReader.read(data:), seeded with *.steps.jsonl lines.
// A tiny read chunk and idle window make every input cross chunk boundaries and close runs early, so
// the line reader's carry-over and the run assembler's late-span path are exercised too.
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var options = TraceReaderOptions()
    options.readChunkBytes = 7
    options.runIdleRecords = 3
    options.maxLineBytes = 4096
    var steps = 0
    let summary = TraceReader(options: options).read(data: bytes, file: "fuzz.jsonl") { run in steps += run.steps.count }
    precondition(summary.steps == steps, "summary.steps \(summary.steps) != emitted \(steps)")
    return 0
}
