// libFuzzer target: ByteJSONParser on raw bytes, at the default depth limit and at a tiny one (so the
// depth-limit path is reached by short inputs too).
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzByteJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ByteJSONParser().parse(bytes[...])
    _ = try? ByteJSONParser(maxDepth: 4).parse(bytes[...])
    return 0
}
