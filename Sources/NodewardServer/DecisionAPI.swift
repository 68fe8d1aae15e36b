import Foundation
import NodewardCore

/// One step to decide: a Nodeward JSONL step record, plus the run's user request text (the optional
/// `request` member, used when the step starts a run the sidecar holds no state for).
public struct StepRequest: Sendable, Hashable {
    public var step: Step
    public var userRequest: String?
    public var warnings: [String]

    public init(step: Step, userRequest: String? = nil, warnings: [String] = []) {
        self.step = step
        self.userRequest = userRequest
        self.warnings = warnings
    }
}

/// A request the sidecar refuses, with the HTTP status and a reason that names fields, never values.
public struct APIError: Error, Sendable, Hashable {
    public var status: Int
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    static func malformed(_ reason: String) -> APIError { APIError(status: 400, reason: reason) }
}

/// Request bodies: `POST /v1/decisions` takes one step object, `POST /v1/decisions/batch` takes
/// `{"steps": [step, ...]}`. Decoding is the JSONL reader's (`JSONLStepDecoding`), so a step means the
/// same online and offline.
public enum DecisionRequestDecoder {
    static let parser = FoundationJSONParser(maxDepth: 64)

    public static func single(_ bytes: [UInt8]) throws(APIError) -> StepRequest {
        let members = try object(bytes, what: "the body")
        return try step(members, source: SourceLocation(file: "request", line: 1), prefix: "")
    }

    public static func batch(_ bytes: [UInt8], maxSteps: Int) throws(APIError) -> [StepRequest] {
        let members = try object(bytes, what: "the body")
        guard let value = members["steps"] else { throw .malformed("missing required field \"steps\"") }
        guard case .array(let items) = value else { throw .malformed("\"steps\" must be an array, found \(value.typeName)") }
        guard items.count <= maxSteps else {
            throw APIError(status: 413, reason: "\"steps\" has \(items.count) steps, over the batch limit of \(maxSteps)")
        }
        var requests: [StepRequest] = []
        requests.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let step) = item else { throw .malformed("steps[\(index)] must be an object, found \(item.typeName)") }
            requests.append(try self.step(step, source: SourceLocation(file: "request", line: index + 1), prefix: "steps[\(index)]: "))
        }
        return requests
    }

    static func object(_ bytes: [UInt8], what: String) throws(APIError) -> [String: JSONValue] {
        guard !bytes.isEmpty else { throw .malformed("\(what) is empty; send a JSON object") }
        let value: JSONValue
        do { value = try parser.parse(bytes[...]) } catch { throw .malformed("\(what) is not valid JSON") }
        guard case .object(let members) = value else { throw .malformed("\(what) must be a JSON object, found \(value.typeName)") }
        return members
    }

    static func step(_ members: [String: JSONValue], source: SourceLocation, prefix: String) throws(APIError) -> StepRequest {
        var userRequest: String?
        if let request = members["request"], request != .null {
            guard let text = request.stringValue else { throw .malformed("\(prefix)\"request\" must be a string, found \(request.typeName)") }
            userRequest = text
        }
        switch JSONLStepDecoding.decode(members, source: source) {
        case .success(let decoded): return StepRequest(step: decoded.step, userRequest: userRequest, warnings: decoded.warnings)
        case .failure(let failure): throw .malformed(prefix + failure.message)
        }
    }
}

/// What the sidecar answers for one step.
public struct DecisionResponse: Sendable, Hashable, Codable {
    public var tenant: String
    public var workflow: String
    public var run: String
    public var step: String
    /// The decision to enforce: legacy, or node when the tenant is cut over.
    public var decision: Decision
    /// The other regime's decision, for comparison only.
    public var shadow: Decision
    public var `class`: ComparisonClass
    public var cutOver: Bool
    /// The matched node's id, absent when the step matched none.
    public var node: String?
    /// Upstream step ids of the same run the step's data came from, nearest first (`request`: the user's request).
    public var provenance: [String]
    public var policyVersion: String
    public var canary: Bool
    public var warnings: [String]
}

public struct BatchResponse: Sendable, Hashable, Codable {
    public var results: [DecisionResponse]
}

struct ErrorBody: Codable {
    var error: String
    var status: Int
}

enum APIJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? Array(#"{"error":"cannot encode the response","status":500}"#.utf8)
    }
}
