import Foundation
@testable import NodewardServer
import NodewardCore
import Testing

@Suite struct ResponseJSONTests {
    /// The hand-written encoder decodes to exactly what `JSONEncoder` would have sent, for real decisions
    /// (with and without a node, provenance, warnings) and for text that needs escaping.
    @Test func handWrittenResponsesDecodeToTheSameValues() throws {
        let sidecar = makeSidecar { $0.cutOverTenants = ["globex"] }
        var responses = sidecar.decide(try Fleet.globexRun.map { try DecisionRequestDecoder.single(Array($0.utf8)) })
        responses.append(sidecar.decide([try DecisionRequestDecoder.single(Array(globexStep(1, replacing: ["workflow": "nope", "run": "run-nope"]).utf8))])[0])
        var odd = responses[0]
        odd.warnings = ["quote \" backslash \\ newline \n tab \t control \u{01} slash / é 🙂"]
        odd.node = nil
        responses.append(odd)
        #expect(responses.contains { $0.node == nil } && responses.contains { $0.node != nil })
        #expect(responses.contains { !$0.provenance.isEmpty })
        for response in responses {
            let decoded = try JSONDecoder().decode(DecisionResponse.self, from: Data(ResponseJSON.single(response)))
            #expect(decoded == response)
            let reference = try JSONSerialization.jsonObject(with: Data(APIJSON.encode(response))) as? NSDictionary
            let ours = try JSONSerialization.jsonObject(with: Data(ResponseJSON.single(response))) as? NSDictionary
            #expect(reference == ours)
        }
        let batch = try JSONDecoder().decode(BatchResponse.self, from: Data(ResponseJSON.batch(responses)))
        #expect(batch.results == responses)
        #expect(try JSONDecoder().decode(BatchResponse.self, from: Data(ResponseJSON.batch([]))).results.isEmpty)
    }
}
