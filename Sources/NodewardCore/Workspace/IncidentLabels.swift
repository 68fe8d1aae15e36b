import Foundation
import Yams

/// A labelled incident from the workspace `labels` file. Labels live next to the traces, never inside
/// them, so analysis cannot peek; they are used to check what analysis surfaced.
public struct IncidentLabel: Sendable, Hashable, Codable {
    public var id: String
    public var kind: String
    public var tenant: String
    public var workflow: String?
    public var run: String
    public var steps: [String]
    public var expectLegacy: String?
    public var description: String?

    public init(id: String, kind: String, tenant: String, workflow: String? = nil, run: String, steps: [String] = [], expectLegacy: String? = nil, description: String? = nil) {
        self.id = id
        self.kind = kind
        self.tenant = tenant
        self.workflow = workflow
        self.run = run
        self.steps = steps
        self.expectLegacy = expectLegacy
        self.description = description
    }

    /// Reads `incidents: [...]` from a labels file.
    public static func load(path: String) throws(Diagnostic) -> [IncidentLabel] {
        let text: String
        switch InputFile.readText(path, limit: 64 << 20, what: "labels file") {
        case .success(let read): text = read
        case .failure(let diagnostic): throw diagnostic
        }
        struct File: Decodable { var incidents: [IncidentLabel] }
        do {
            return try YAMLDecoder().decode(File.self, from: text).incidents
        } catch {
            throw PolicyReader.decodeDiagnostic(error, file: path, code: .workspaceInvalid, what: "labels file is malformed")
        }
    }
}
