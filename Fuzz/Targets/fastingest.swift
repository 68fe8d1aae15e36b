// libFuzzer target: the fast trace decoder against the reference path (whole lines parsed into
// dictionaries), seeded with Nodeward JSONL and OTLP JSON lines. Any difference in runs, steps, skips,
// diagnostics or counts is a crash. The fast side decodes on two threads with a tiny read chunk and idle
// window, so batch splitting, chunk carry-over and early run closing are compared too.
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFastIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    func read(_ decoder: TraceDecoderChoice, threads: Int) -> ([Run], TraceReadSummary) {
        var options = TraceReaderOptions()
        options.decoder = decoder
        options.decodeThreads = threads
        options.readChunkBytes = 7
        options.runIdleRecords = 3
        options.maxLineBytes = 4096
        var runs: [Run] = []
        let summary = TraceReader(options: options).read(data: bytes, file: "fuzz.jsonl") { runs.append($0) }
        return (runs, summary)
    }
    let reference = read(.reference, threads: 1)
    let fast = read(.fast, threads: 2)
    precondition(fast.1.diagnostics == reference.1.diagnostics, "diagnostics differ: fast \(fast.1.diagnostics) reference \(reference.1.diagnostics)")
    precondition(fast.0 == reference.0, "runs differ")
    precondition(fast.1 == reference.1, "summaries differ")
    return 0
}
