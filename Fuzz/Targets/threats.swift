// libFuzzer target: one threats.yaml through ThreatModelReader.read.
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzThreats(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = ThreatModelReader.read(yaml: text, file: "threats.yaml")
    return 0
}
