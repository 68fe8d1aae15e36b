// libFuzzer target: one policy file through PolicyReader.readFile (which runs read's checks too), and
// a round trip of whatever it accepts: the YAML Nodeward writes must read back to the same policies.
import Foundation
import NodewardCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let (file, _) = PolicyReader.readFile(yaml: text, file: "fuzz.yaml")
    if let policies = file?.policies {
        let written = policies.yaml()
        let reread = PolicyReader.read(yaml: written, file: "roundtrip.yaml")
        precondition(reread.policies == policies, "an accepted policy does not read back: \(reread.diagnostics.map(\.code))")
    }
    return 0
}
