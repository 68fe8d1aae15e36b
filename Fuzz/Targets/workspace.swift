// libFuzzer target: one nodeward.yaml through Workspace.parse (no file system access: parse only).
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWorkspace(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? Workspace.parse(text: text, file: "nodeward.yaml", folder: "/workspace")
    return 0
}
