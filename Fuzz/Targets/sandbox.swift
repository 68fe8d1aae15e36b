// libFuzzer target: one tenant sandbox file (YAML) through SandboxReader.parse (docs/fuzzing.md).
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSandbox(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = SandboxReader().parse(text: text, file: "fuzz.yaml")
    return 0
}
