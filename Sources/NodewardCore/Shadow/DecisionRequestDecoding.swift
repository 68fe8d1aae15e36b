/// Decoding of the shadow sidecar's decision request bodies, pure and I/O-free (the sidecar uses it;
/// the `server` fuzz target links it). `POST /v1/decisions` takes one step object (a Nodeward JSONL step
/// record plus an optional `request` string: the run's user request text); `POST /v1/decisions/batch`
/// takes `{"steps": [step, ...]}`. Steps decode as the JSONL reader's do (`JSONLStepDecoding`), so a step
/// means the same online and offline. Reasons name fields and types, never values.
public enum DecisionRequestDecoding {
    public struct Decoded: Sendable, Hashable {
        public var step: Step
        /// The run's user request text, when the body carried one.
        public var userRequest: String?
        public var warnings: [String]
    }

    public enum Failure: Error, Sendable, Hashable {
        /// Not a decision request: the HTTP sidecar answers 400.
        case malformed(String)
        /// More steps than allowed: 413.
        case tooManySteps(String)

        public var reason: String {
            switch self {
            case .malformed(let reason), .tooManySteps(let reason): reason
            }
        }
    }

    public static let maxDepth = 64
    // The byte-level parser, as the JSONL reader uses: same acceptance online and offline, no Foundation objects.
    static let parser = ByteJSONParser(maxDepth: maxDepth)

    public static func single(_ bytes: ArraySlice<UInt8>) -> Result<Decoded, Failure> {
        do throws(Failure) {
            let members = try object(bytes)
            return .success(try step(members, source: SourceLocation(file: "request", line: 1), prefix: ""))
        } catch {
            return .failure(error)
        }
    }

    public static func batch(_ bytes: ArraySlice<UInt8>, maxSteps: Int) -> Result<[Decoded], Failure> {
        do throws(Failure) {
            let members = try object(bytes)
            guard let value = members["steps"] else { throw .malformed("missing required field \"steps\"") }
            guard case .array(let items) = value else { throw .malformed("\"steps\" must be an array, found \(value.typeName)") }
            guard items.count <= maxSteps else {
                throw .tooManySteps("\"steps\" has \(items.count) steps, over the batch limit of \(maxSteps)")
            }
            var decoded: [Decoded] = []
            decoded.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .object(let step) = item else { throw .malformed("steps[\(index)] must be an object, found \(item.typeName)") }
                decoded.append(try self.step(step, source: SourceLocation(file: "request", line: index + 1), prefix: "steps[\(index)]: "))
            }
            return .success(decoded)
        } catch {
            return .failure(error)
        }
    }

    static func object(_ bytes: ArraySlice<UInt8>) throws(Failure) -> [String: JSONValue] {
        guard !bytes.isEmpty else { throw .malformed("the body is empty; send a JSON object") }
        let value: JSONValue
        do { value = try parser.parse(bytes) } catch { throw .malformed("the body is not valid JSON") }
        guard case .object(let members) = value else { throw .malformed("the body must be a JSON object, found \(value.typeName)") }
        return members
    }

    static func step(_ members: [String: JSONValue], source: SourceLocation, prefix: String) throws(Failure) -> Decoded {
        var userRequest: String?
        if let request = members["request"], request != .null {
            guard let text = request.stringValue else { throw .malformed("\(prefix)\"request\" must be a string, found \(request.typeName)") }
            userRequest = text
        }
        switch JSONLStepDecoding.decode(members, source: source) {
        case .success(let decoded): return Decoded(step: decoded.step, userRequest: userRequest, warnings: decoded.warnings)
        case .failure(let failure): throw .malformed(prefix + failure.message)
        }
    }
}
