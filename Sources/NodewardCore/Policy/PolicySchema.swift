import Yams

/// The keys each mapping of a policy file may have, for reporting unknown (usually misspelt) keys.
enum PolicySchema {
    indirect enum Shape: Sendable {
        case mapping([String: Shape])
        case list(Shape)
        /// A scalar or anything the decoder checks itself.
        case leaf
    }

    static let evidence: Shape = .mapping(["runs": .leaf, "tenants": .leaf, "firstSeen": .leaf, "lastSeen": .leaf, "sampleRuns": .leaf])

    static let node: Shape = .mapping([
        "id": .leaf,
        "match": .mapping(["kind": .leaf, "operation": .leaf, "resources": .leaf, "after": .leaf]),
        "tenants": .leaf,
        "allow": .mapping([
            "resources": .leaf,
            "resourceTenants": .list(.mapping(["resource": .leaf, "tenants": .leaf])), "arguments": .list(.mapping(["name": .leaf, "values": .leaf, "pattern": .leaf, "patternTenants": .leaf, "excluded": .leaf, "origin": .leaf])),
        ]),
        "inputs": .list(.mapping(["from": .leaf, "arguments": .leaf])),
        "limits": .mapping(["perRun": .leaf, "perMinute": .leaf]),
        "evidence": evidence,
        "withheld": .leaf,
    ])

    static let file: Shape = .mapping([
        "version": .leaf, "workflow": .leaf, "agent": .leaf,
        "generator": .mapping(["strictness": .leaf, "minRuns": .leaf, "minTenants": .leaf, "headroom": .leaf]),
        "evidence": evidence,
        "nodes": .list(node),
    ])

    static func unknownKeys(in root: Node, file: String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        walk(root, shape: Self.file, path: [], file: file, into: &diagnostics)
        return diagnostics
    }

    static func walk(_ node: Node, shape: Shape, path: [String], file: String, into diagnostics: inout [Diagnostic]) {
        switch shape {
        case .leaf:
            return
        case .list(let element):
            guard let sequence = node.sequence else { return }
            for (index, item) in sequence.enumerated() { walk(item, shape: element, path: path + ["\(index)"], file: file, into: &diagnostics) }
        case .mapping(let keys):
            guard let mapping = node.mapping else { return }
            for (keyNode, value) in mapping {
                let key = keyNode.string ?? ""
                guard let child = keys[key] else {
                    let known = keys.keys.sorted().joined(separator: ", ")
                    diagnostics.append(.error(.policyUnknownKey, "unknown key \(key) (expected one of: \(known))",
                                              at: PolicyReader.location(of: keyNode, file: file),
                                              keyPath: (path + [key]).joined(separator: ".")))
                    continue
                }
                walk(value, shape: child, path: path + [key], file: file, into: &diagnostics)
            }
        }
    }
}
