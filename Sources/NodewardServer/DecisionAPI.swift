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
    /// A stable code a client can branch on (docs/shadow-api.openapi.yaml, `Error`).
    public var code: String
    public var reason: String

    public init(status: Int, code: String, reason: String) {
        self.status = status
        self.code = code
        self.reason = reason
    }

    static func malformed(_ reason: String) -> APIError { APIError(status: 400, code: "malformed", reason: reason) }
    static func tooLarge(_ reason: String) -> APIError { APIError(status: 413, code: "too-large", reason: reason) }
    /// Shed load or an unavailable store: answered with `Retry-After`.
    static func unavailable(_ reason: String) -> APIError { APIError(status: 503, code: "unavailable", reason: reason) }
}

/// Request bodies, decoded by `DecisionRequestDecoding` (NodewardCore: pure, fuzzed), failures mapped
/// to HTTP statuses.
public enum DecisionRequestDecoder {
    public static func single(_ bytes: [UInt8]) throws(APIError) -> StepRequest {
        switch DecisionRequestDecoding.single(bytes[...]) {
        case .success(let decoded): return StepRequest(decoded)
        case .failure(let failure): throw APIError(failure)
        }
    }

    public static func batch(_ bytes: [UInt8], maxSteps: Int) throws(APIError) -> [StepRequest] {
        switch DecisionRequestDecoding.batch(bytes[...], maxSteps: maxSteps) {
        case .success(let decoded): return decoded.map(StepRequest.init)
        case .failure(let failure): throw APIError(failure)
        }
    }
}

extension StepRequest {
    init(_ decoded: DecisionRequestDecoding.Decoded) {
        self.init(step: decoded.step, userRequest: decoded.userRequest, warnings: decoded.warnings)
    }
}

extension APIError {
    init(_ failure: DecisionRequestDecoding.Failure) {
        switch failure {
        case .malformed(let reason): self = .malformed(reason)
        case .tooManySteps(let reason): self = .tooLarge(reason)
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
    var code: String
    var status: Int
}

enum APIJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(value))) ?? Array(#"{"code":"internal","error":"cannot encode the response","status":500}"#.utf8)
    }
}
